#ifndef C_CONSISTENT_WIENER_KERNEL_H
#define C_CONSISTENT_WIENER_KERNEL_H

#include <stddef.h>

#include "CInstructionSet.h"

/// Element-wise passes of the consistent Wiener conjugate-gradient solver
/// (`ConsistentWienerFilter`). Every array holds `outputs` blocks of `stride` floats, output a at
/// `a * stride`; inside a block, frame t's `2 * bins` interleaved (re, im) floats start at
/// `2 * bins * t`. Per-entry real arrays (`inverse_power`, `weight`) are stored the same way with
/// each value duplicated for re and im, so every loop runs over contiguous floats.
/// `bin_weight` holds `2 * bins` floats: the two-sided inner-product weight (1 for DC and
/// Nyquist, 2 elsewhere) duplicated for re and im.
/// Each function handles frames [first, last) and writes one double per frame into
/// `frame_sums[t]` where it returns a sum; frames are independent, so callers may split them
/// over threads, and each frame's arithmetic is fixed whatever the split.
/// `level` picks the build of the loops: CNMF_LEVEL_AUTOMATIC (what callers pass) the best one
/// this CPU runs, as capped by CNMF_INSTRUCTION_SET; another level is capped by the CPU's (see
/// CInstructionSet.h). The AVX-512 and AVX2 builds fuse multiply-adds and the portable one does
/// not, so their results differ in the last bits; each is the same from run to run and for any
/// split of the frames. No compiler flags needed.

/// out ← x · inverse_power + gamma · out (out holds Q x); frame_sums[t] = ⟨x, out⟩ over outputs.
void cw_apply_operator(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                       const float *x, float *out, const float *inverse_power, float gamma,
                       const float *bin_weight, double *frame_sums);

/// If `step` is non-zero: s += alpha · p, r −= alpha · q. Then, per entry, mu = Σ w r / Σ w over
/// outputs, r ← r − mu, q ← w · r (the preconditioned residual z); frame_sums[t] = ⟨r, z⟩.
/// `scratch` holds 4 · bins floats per calling thread.
void cw_step_and_project(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                         int step, float alpha, float *s, const float *p, float *q, float *r,
                         const float *weight, const float *bin_weight, float *scratch, double *frame_sums);

/// p ← z + beta · p.
void cw_update_direction(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                         float beta, float *p, const float *z);

/// Adds rest = fixed − Σ s over outputs back to the outputs in proportion to w / Σ w.
/// `scratch` holds 4 · bins floats per calling thread.
void cw_restore_sum(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                    float *s, const float *weight, const float *fixed, float *scratch);

#endif
