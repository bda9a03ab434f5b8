// The Complex NMF update with a fixed basis, one frame at a time (see ComplexNMFKernel.swift).
//
// Per frame t and iteration, with S_f = Σ_k H[f,k] U_k, F_f = Σ_k H[f,k] U_k P_kf, R_f = Y_f − F_f:
//
//     z_kf = S_f P_kf + R_f,   P_kf ← z_kf / |z_kf|   (unchanged where |z_kf| = 0)
//     U_k  ← max(floor, U_k · Σ_f H[f,k] |z_kf|  /  ((HᵀH U)_k + λ p U_k^(p−1)))   (floor if the denominator is 0)
//     cost = Σ_f |R_f|² + 2λ Σ_k U_k^p   (of the iterate the residual was computed from)
//
// The per-(k, f) work is float32; the per-k sums Σ_f, HᵀH U, U^(p−1) and the cost are double.
// A frame's arithmetic depends only on that frame, never on which thread runs it or on the other
// frames, so callers may split frames over threads freely. The plan is read-only after creation
// and may be shared by threads; each thread needs its own workspace.
#ifndef CCOMPLEXNMFKERNEL_H
#define CCOMPLEXNMFKERNEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets of the per-(k, f) loops.
typedef enum {
    CNMF_ISA_AUTOMATIC = 0,  ///< the fastest one this CPU supports
    CNMF_ISA_PORTABLE = 1,   ///< plain C (exact sqrt and division), any CPU
    CNMF_ISA_AVX512 = 2,     ///< AVX-512 F/DQ/VL/BW: rsqrt14 + one Newton step; the layout by K
    CNMF_ISA_AVX512_TILES = 3,            ///< AVX-512, vectors over 16 bins, whatever K
    CNMF_ISA_AVX512_COMPONENT_MAJOR = 4,  ///< AVX-512, vectors over 16 components, whatever K
    CNMF_ISA_AVX2 = 5,       ///< the portable loops compiled for AVX2 + FMA (exact sqrt and division)
} cnmf_isa;

/// The basis in the layout of the loops, HᵀH, λ, p and the floor. Read-only once made.
typedef struct cnmf_plan cnmf_plan;
/// Per-thread scratch: one frame's phases in the loop layout (≈ 8·K·F bytes) and per-k sums.
typedef struct cnmf_workspace cnmf_workspace;

/// A plan for `basis` `[bins × components]`, column-major float (each template contiguous).
/// The AVX-512 choices fall back to portable when the CPU lacks AVX-512, CNMF_ISA_AVX2 when it
/// lacks AVX2 or FMA; CNMF_ISA_AUTOMATIC takes AVX-512, else AVX2 + FMA, else portable.
/// CNMF_ISA_AUTOMATIC and CNMF_ISA_AVX512 take the component-major loops from K = 192 on, the
/// tile loops below.
/// Returns NULL when memory is short. Memory: ≈ 4·K·F + 8·K² bytes (8·K·F + 8·K² with the
/// component-major loops).
cnmf_plan *cnmf_plan_create(int bins, int components, const float *basis,
                            double lambda, double sparsity, float floor, cnmf_isa isa);
void cnmf_plan_destroy(cnmf_plan *plan);
/// The loops the plan uses: CNMF_ISA_PORTABLE, CNMF_ISA_AVX2, CNMF_ISA_AVX512_TILES or
/// CNMF_ISA_AVX512_COMPONENT_MAJOR.
cnmf_isa cnmf_plan_isa(const cnmf_plan *plan);
/// Copies the plan's HᵀH (double, every entry summed over the bins in order) into `gram`
/// `[components × components]`, row-major.
void cnmf_plan_copy_gram(const cnmf_plan *plan, double *gram);

/// Scratch for one thread using `plan`. Returns NULL when memory is short.
cnmf_workspace *cnmf_workspace_create(const cnmf_plan *plan);
void cnmf_workspace_destroy(cnmf_workspace *workspace);

/// Runs `iterations` (≥ 0) updates of one frame in place.
/// - spectrum: Y of the frame, `2·bins` interleaved (re, im).
/// - activations: U of the frame, `components` floats (> 0; updated).
/// - phases: P of the frame, `2·components·bins` floats, component fastest then bin (updated).
/// - mixture_start: nonzero to ignore the incoming phases and start every component at the
///   mixture phase (what cnmf_mixture_phases writes), saving a pass over them.
/// - first_iteration: how many updates the incoming iterate has had since the start of the run
///   (0 for a fresh start). The sweep over the bins of iterate n runs backwards when n is odd
///   (cache reuse when 12·K·F bytes exceed L2), and the sums follow the sweep's order, so a run
///   split into several calls gives the bits of one call only when this counts on.
/// - costs: `iterations + 1` doubles: costs[i] = objective of the iterate after i updates.
/// - model: NULL, or `2·bins` floats that receive F = Σ_k H U P of the final iterate computed
///   with the activations at the floor set to exactly 0 (those activations are then set to 0 in
///   `activations` too: call it only for the last iterations of a run).
/// Time ≈ (iterations + 1) · K · F element updates; no allocation.
void cnmf_frame_run(const cnmf_plan *plan, cnmf_workspace *workspace,
                    const float *spectrum, float *activations, float *phases, int mixture_start,
                    int first_iteration, int iterations, double *costs, float *model);

/// The exact shortcut for a frame whose components all start at the mixture phase Y/|Y| (the
/// default start): then z_kf = S_f P_kf + R_f = Y_f for every k, so the phases never move,
/// |z_kf| = |Y_f|, and the iteration is sparse Euclidean NMF of |Y|:
///
///     U_k ← max(floor, U_k · N_k / ((HᵀH U)_k + λ p U_k^(p−1))),   N_k = Σ_f H[f,k] |Y_f|
///     cost = ‖Y‖² − 2 Σ_k U_k N_k + Uᵀ HᵀH U + 2λ Σ_k U_k^p     (= Σ_f (|Y_f| − S_f)² + 2λ Σ U^p)
///
/// K·F work once per frame and K² per iteration, instead of ≈ K·F element updates per iteration.
/// Same floor, same activation update code and the same cost definition as cnmf_frame_run from
/// the mixture start; the two differ only by float rounding (cnmf_frame_run forms |z| from
/// S P + R in float). Three steps:
///
/// N and ‖Y‖² of one frame: `numerator` receives K doubles; returns Σ_f |Y_f|². Time ≈ K·F.
double cnmf_shared_phase_statistics(const cnmf_plan *plan, cnmf_workspace *workspace, const float *spectrum, double *numerator);
/// `iterations` (≥ 0) updates of one frame's `activations` (K floats > 0, updated in place) from
/// its statistics; `costs` receives `iterations + 1` doubles (objective after i updates).
/// Time ≈ (iterations + 1) · K²; no allocation.
void cnmf_shared_phase_run(const cnmf_plan *plan, cnmf_workspace *workspace, const double *numerator, double energy,
                           float *activations, int iterations, double *costs);
/// cnmf_shared_phase_run of `count` frames, bit for bit (frame j: `numerators + j·K`,
/// `energies[j]`, `activations + j·K`, its `iterations + 1` costs at `costs + j·cost_stride`),
/// up to 8 frames side by side so that HᵀH is read once per iteration for all of them.
void cnmf_shared_phase_run_frames(const cnmf_plan *plan, cnmf_workspace *workspace, int count, const double *numerators,
                                  const double *energies, float *activations, int iterations, double *costs, size_t cost_stride);
/// The activation update every iteration ends with, on its own (for tests): `u` (K floats)
/// receives max(floor, activation · numerator / (denominator + λ p · power)), 0 before the floor
/// where that denominator is not positive, from K doubles each; the plan's loops, in the
/// kernel's FTZ | DAZ mode.
void cnmf_update_activations_of(const cnmf_plan *plan, cnmf_workspace *workspace, const double *activation, const double *power,
                                const double *numerator, const double *denominator, float *u);
/// U^(p−1) and the penalty's Σ U^p as an iteration starts, on their own (for tests): `power`
/// (K doubles) receives each of the K activations `u` to the power p − 1 (0 when λ = 0) by the
/// plan's loops (libm pow in the portable build, the AVX-512 loops' series in the AVX-512 and
/// AVX2 builds); returns Σ u · power.
double cnmf_powers_of(const cnmf_plan *plan, cnmf_workspace *workspace, const float *u, double *power);
/// Frames cnmf_shared_phase_run_frames runs side by side (a good number of frames per call is a multiple of it).
int cnmf_shared_phase_frames(void);
/// The end of a run: activations at the floor set to 0; `model` (2·bins floats, or NULL)
/// receives F = S · Y/|Y| from exactly those activations; `phases` (2·bins floats, or NULL)
/// receives the mixture phase of each bin, the phase of every component (what
/// cnmf_mixture_phases writes for one component).
void cnmf_shared_phase_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases);

/// Writes the mixture phase Y/|Y| of every bin (1 where |Y| = 0, computed in double) into
/// every component: `phases` is `2·components·bins` floats, component fastest then bin.
void cnmf_mixture_phases(int bins, int components, const float *spectrum, float *phases);

/// The seeded phase jitter of one frame's start: each of the `count` unit phases
/// (phases[2i], phases[2i + 1]) is turned by φ_i = sigma · z_i, in double, rounded to float.
/// The normals z come in pairs by Box–Muller, z_2m = r cos θ and z_2m+1 = r sin θ with
/// r = √(−2 ln a), θ = 2π b, from two uniforms a, b in (0, 1] per pair, drawn in that order
/// from xoshiro256** seeded through SplitMix64 with `seed` (the sequence of the Swift
/// SeededRandomGenerator; a uniform is ((bits >> 11) + 1) · 2⁻⁵³). With AVX-512 on x86-64
/// Linux (unless `isa` is CNMF_ISA_PORTABLE) log, cos and sin come from glibc's vector math,
/// eight at a time, otherwise from libm: the two may differ in a phase's last bit.
void cnmf_phase_jitter(float *phases, size_t count, unsigned long long seed, double sigma, cnmf_isa isa);

/// Asks the kernel (Linux: madvise MADV_HUGEPAGE) to back [start, start + bytes) with huge
/// pages, so that first touching a large, fresh phase tensor takes 512× fewer page faults.
/// A hint: does nothing elsewhere or when refused.
void cnmf_advise_huge_pages(void *start, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
