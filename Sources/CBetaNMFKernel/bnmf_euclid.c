// Group driver of the Euclidean fixed-basis NMF kernel (β = 2; see CBetaNMFKernel.h).
//
// Per frame, with b = Hᵀv and n = ‖v‖² computed once (double sums, f in order; see `project`)
// and G = HᵀH:
//
//     g = G u                                   (float, b in order: the K × K × frames GEMM)
//     cost(u) = ½ max(0, n − 2 uᵀb + uᵀg)      (double terms and sums, b in double)
//     u ← u ⊙ b / (g + ε)                       (float, b rounded to float)
//
// The iterate u is float: its rounding (≈ 6e-8 per update) is below that of the float g
// (≈ 5e-7), and a float update costs half the vector operations of a double one. The cost
// keeps b in double: it is n minus nearly as much, so b's rounding to float would show in it
// (BetaNMFKernelTests' frame costs: 6.7e-7 of the 1e-6 allowed with b in double, 8.9e-7 with
// the terms in float).
//
// Frames run in blocks of BNMF_EUCLID_BLOCK, all iterations of a block back to back, so that G
// (K·kpad floats, 34 KB for K = 88) and the block's activations stay in L1; within a block the
// frames are side by side (euclid_index), so that the vector lanes of G u and of the update run
// over frames: no lane is padding (K = 88 fills 5.5 vectors of components) and no sum crosses
// lanes. Nothing of a frame's arithmetic depends on the other frames of its block or group.
#include "bnmf_internal.h"

#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#define FLUSH_SUBNORMALS() const unsigned int mxcsr = _mm_getcsr(); _mm_setcsr(mxcsr | 0x8040)  // FTZ | DAZ
#define RESTORE_SUBNORMALS() _mm_setcsr(mxcsr)
#else
#define FLUSH_SUBNORMALS() do {} while (0)
#define RESTORE_SUBNORMALS() do {} while (0)
#endif

/// Points the first `slots` slots at frames `first …` of `magnitudes` (the zero frame beyond
/// `count`).
static void point_at_frames(const bnmf_plan *plan, bnmf_workspace *ws, const float *magnitudes, int count, int slots) {
    for (int j = 0; j < slots; j++) ws->v[j] = j < count ? magnitudes + (size_t)j * plan->bins : ws->zeros;
}

/// Runs `iterations` updates of the `count` frames whose Hᵀv are `projections` (frame j's at
/// j · stride) and ‖v‖² are in ws->norm (zero in the `slots − count` padding slots), from
/// `activations_in` to `activations_out` (`[count][K]`), writing costs[i · cost_stride + j].
static void iterate_group(const bnmf_plan *plan, bnmf_workspace *ws, int count, int slots, const double *projections,
                          size_t stride, const double *activations_in, double *activations_out, int iterations,
                          int final_cost, double *costs, size_t cost_stride) {
    const bnmf_euclid_kernels *kernels = plan->euclid;
    kernels->load(plan, ws, count, slots, activations_in, projections, stride);
    for (int j0 = 0; j0 < slots; j0 += BNMF_EUCLID_BLOCK) {
        const int last = count - j0 < BNMF_EUCLID_BLOCK ? count - j0 : BNMF_EUCLID_BLOCK;
        for (int i = 0; i < iterations + (final_cost != 0); i++) {
            kernels->gram(plan, ws, j0);
            kernels->step(plan, ws, j0, i < iterations);
            for (int j = 0; j < last; j++) costs[(size_t)i * cost_stride + j0 + j] = ws->cost[j0 + j];
        }
    }
    kernels->store(plan, ws, count, activations_out);
}

/// Hᵀv and ‖v‖² of `count` consecutive frames into the workspace (ws->proj, ws->norm), padded
/// with zero frames to whole blocks; returns the padded count.
static int project_group(const bnmf_plan *plan, bnmf_workspace *ws, const float *magnitudes, int count) {
    const int slots = (int)round_up((size_t)count, BNMF_EUCLID_BLOCK);
    point_at_frames(plan, ws, magnitudes, count, slots);
    plan->euclid->project(plan, (const float *const *)ws->v, slots, ws->proj, ws->norm);
    return slots;
}

void bnmf_euclid_run_magnitudes(const bnmf_plan *plan, bnmf_workspace *ws, int frames, const float *magnitudes,
                                const double *activations_in, double *activations_out, int iterations, int final_cost,
                                double *costs, size_t cost_stride) {
    const int F = plan->bins, K = plan->components, G = plan->group;
    FLUSH_SUBNORMALS();
    for (int first = 0; first < frames; first += G) {
        const int count = frames - first < G ? frames - first : G;
        const int slots = project_group(plan, ws, magnitudes + (size_t)first * F, count);
        iterate_group(plan, ws, count, slots, ws->proj, (size_t)plan->kpad, activations_in + (size_t)first * K,
                      activations_out + (size_t)first * K, iterations, final_cost, costs + first, cost_stride);
    }
    RESTORE_SUBNORMALS();
}

void bnmf_euclid_project(const bnmf_plan *plan, bnmf_workspace *ws, int frames, const float *magnitudes,
                         double *projections, double *norms) {
    if (plan->kind != BNMF_EUCLID) return;
    const int F = plan->bins, K = plan->components, G = plan->group;
    const size_t Kp = (size_t)plan->kpad;
    FLUSH_SUBNORMALS();
    for (int first = 0; first < frames; first += G) {
        const int count = frames - first < G ? frames - first : G;
        project_group(plan, ws, magnitudes + (size_t)first * F, count);
        for (int j = 0; j < count; j++) {
            memcpy(projections + (size_t)(first + j) * K, ws->proj + j * Kp, sizeof(double) * (size_t)K);
            norms[first + j] = ws->norm[j];
        }
    }
    RESTORE_SUBNORMALS();
}

void bnmf_euclid_run(const bnmf_plan *plan, bnmf_workspace *ws, int frames, const double *projections, const double *norms,
                     const double *activations_in, double *activations_out, int iterations, int final_cost,
                     double *costs, size_t cost_stride) {
    if (plan->kind != BNMF_EUCLID) return;
    const int K = plan->components, G = plan->group;
    FLUSH_SUBNORMALS();
    for (int first = 0; first < frames; first += G) {
        const int count = frames - first < G ? frames - first : G;
        const int slots = (int)round_up((size_t)count, BNMF_EUCLID_BLOCK);
        for (int j = 0; j < slots; j++) ws->norm[j] = j < count ? norms[first + j] : 0;
        iterate_group(plan, ws, count, slots, projections + (size_t)first * K, (size_t)K, activations_in + (size_t)first * K,
                      activations_out + (size_t)first * K, iterations, final_cost, costs + first, cost_stride);
    }
    RESTORE_SUBNORMALS();
}
