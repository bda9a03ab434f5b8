// Fixed-basis β-divergence NMF (Euclidean β = 2, KL β = 1, β = ½, Itakura–Saito β = 0) for
// groups of frames (see BetaNMFKernel.swift).
//
// Per frame with magnitudes v [bins], activations u [K] and the model Λ_f = ε + Σ_k H[f,k] u_k,
// one iteration is the multiplicative update
//
//     kl:    u_k ← u_k · Σ_f H[f,k] v_f/Λ_f        / (Σ_f H[f,k] + ε)
//     β = ½: u_k ← u_k · Σ_f H[f,k] v_f Λ_f^−1.5   / (Σ_f H[f,k] Λ_f^−0.5 + ε)
//     is:    u_k ← u_k · Σ_f H[f,k] v_f Λ_f^−2     / (Σ_f H[f,k] Λ_f^−1 + ε)
//
// and the cost of an iterate is Σ_f d(v_f | Λ_f) (with the conventions of NMF.swift: KL
// v log((v+ε)/Λ) − v + Λ − ε, only v > 0 in the log; β = ½ 2√Λ + 2v/√Λ − 4√v; IS with
// ratio (v+ε)/Λ). Λ, the weights and the sums over f are float32 (each sum over k or f in a
// fixed order); the costs, the per-k update and the activations between iterations are double.
//
// Frames are run in groups of `group` frames that share every load of H; a frame's arithmetic
// never depends on the other frames, on its position in the group, on the group size or on
// the thread that runs it, so callers may split frames freely and get bit-identical results.
// Euclidean (β = 2) runs on G = HᵀH (K × K, computed in double at plan time, stored as float)
// and per frame b = Hᵀv, n = ‖v‖² (computed once per frame, f in order: n in double; b in double
// sums of float sums over 16 bins with AVX-512, in double throughout in the portable loops):
//
//     euclid: u ← u ⊙ b / (G u + ε),   cost ½ max(0, n − 2 uᵀb + uᵀ G u)
//
// with G u in float32 (b in order; ≈ K² multiply-adds per frame and iteration, no pass over the
// bins) and the update, the costs and the activations between iterations in double. Frames run
// in blocks of 32 with all iterations of a block back to back (G stays in L1), the block's
// frames side by side in the vector lanes.
//
// The plan is read-only after creation and may be shared by threads; each thread needs its own
// workspace.
#ifndef CBETANMFKERNEL_H
#define CBETANMFKERNEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets of the per-(k, f) loops.
typedef enum {
    BNMF_ISA_AUTOMATIC = 0,  ///< the fastest one this CPU supports
    BNMF_ISA_PORTABLE = 1,   ///< plain C (exact sqrt, division and log), any CPU
    BNMF_ISA_AVX512 = 2,     ///< AVX-512 F/DQ/VL/BW: rsqrt14 / rcp14 + one Newton step, polynomial log
    BNMF_ISA_AVX2 = 3,       ///< the portable loops compiled for AVX2 + FMA (exact sqrt, division and log)
} bnmf_isa;

/// The basis in the layouts of the loops, Σ_f H, β and ε. Read-only once made.
typedef struct bnmf_plan bnmf_plan;
/// Per-thread scratch for one group of frames (≈ group · (16·F + 24·K) bytes).
typedef struct bnmf_workspace bnmf_workspace;

/// A plan for `basis` `[bins × components]`, column-major float (each template contiguous),
/// `beta` 0, 0.5, 1 or 2 (anything else returns NULL), `epsilon` ε (NumericalGuards.epsilon),
/// `group` frames sharing the loads of H (rounded up to a multiple of 8, at most 64; ≤ 0 chooses 8).
/// `isa` BNMF_ISA_AVX512 falls back to portable when the CPU lacks AVX-512, BNMF_ISA_AVX2 when it
/// lacks AVX2 or FMA; BNMF_ISA_AUTOMATIC takes AVX-512, else AVX2 + FMA, else portable.
/// Returns NULL when memory is short. Memory: ≈ 8·K·F bytes (β = 2: 8·kpad·(F + K), kpad = K
/// rounded up to 16; making it costs ≈ K²·F/2 multiply-adds for G).
bnmf_plan *bnmf_plan_create(int bins, int components, const float *basis, double beta, double epsilon,
                            int group, bnmf_isa isa);
void bnmf_plan_destroy(bnmf_plan *plan);
/// The instruction set the plan's loops use.
bnmf_isa bnmf_plan_isa(const bnmf_plan *plan);
/// Frames per group (a multiple of 8).
int bnmf_plan_group(const bnmf_plan *plan);

/// Scratch for one thread using `plan` (β = 2: ≈ group · 28·kpad bytes). Returns NULL when memory
/// is short.
bnmf_workspace *bnmf_workspace_create(const bnmf_plan *plan);
void bnmf_workspace_destroy(bnmf_workspace *workspace);

/// Runs `iterations` (≥ 0) updates of `frames` frames, group by group, all iterations of a group
/// back to back.
/// - magnitudes: V of the frames, `[frames][bins]` floats (each frame contiguous), ≥ 0.
/// - activations_in: U of the frames, `[frames][components]` doubles, ≥ 0.
/// - activations_out: receives U after `iterations` updates (same layout; may equal activations_in).
/// - costs: costs[i · cost_stride + t] = cost of frame t's iterate after i updates, for
///   i = 0 … iterations (`iterations + 1` rows) with `final_cost`, i = 0 … iterations − 1
///   without (then the last iterate's model is not computed at all).
/// The cost of an iterate is bit-identical whether it comes with an update or alone, so one
/// call with n iterations equals n calls with 1 iteration each (without `final_cost`) followed
/// by one with 0 iterations.
/// Time ≈ frames · (3·iterations + final_cost) · K · F multiply-adds (2·iterations for KL);
/// no allocation. For β = 2: bnmf_euclid_project then bnmf_euclid_run per group, time ≈
/// frames · (K·F + (iterations + final_cost) · K²) multiply-adds.
void bnmf_run(const bnmf_plan *plan, bnmf_workspace *workspace, int frames, const float *magnitudes,
              const double *activations_in, double *activations_out, int iterations, int final_cost,
              double *costs, size_t cost_stride);

/// β = 2 only (other plans: does nothing): `projections` `[frames][components]` receives Hᵀv and
/// `norms` `[frames]` ‖v‖² of `magnitudes` `[frames][bins]` (each sum over f in order, as above;
/// bit-identical to what bnmf_run computes). Time ≈ frames · K · F multiply-adds.
void bnmf_euclid_project(const bnmf_plan *plan, bnmf_workspace *workspace, int frames, const float *magnitudes,
                         double *projections, double *norms);

/// β = 2 only (other plans: does nothing): bnmf_run from the frames' Hᵀv and ‖v‖² (as
/// bnmf_euclid_project gives them) instead of their magnitudes; bit-identical to bnmf_run, so a
/// driver can project once and then run one iteration at a time. Time ≈ frames ·
/// (iterations + final_cost) · K² multiply-adds.
void bnmf_euclid_run(const bnmf_plan *plan, bnmf_workspace *workspace, int frames, const double *projections,
                     const double *norms, const double *activations_in, double *activations_out, int iterations,
                     int final_cost, double *costs, size_t cost_stride);

#ifdef __cplusplus
}
#endif

#endif
