// The mixture-phase start's exact shortcut (see cnmf_shared_phase_* in CComplexNMFKernel.h).
//
// With every component of a frame at the mixture phase P_f = Y_f/|Y_f|, the model is
// F_f = S_f P_f, so R_f = (|Y_f| − S_f) P_f and z_kf = S_f P_f + R_f = |Y_f| P_f = Y_f for every
// k: the phases never move, |z_kf| = |Y_f|, and the iteration of the general kernel becomes
//
//     U_k ← max(floor, U_k · N_k / ((HᵀH U)_k + λ p U_k^(p−1))),   N_k = Σ_f H[f,k] |Y_f|
//     cost = Σ_f (|Y_f| − S_f)² + 2λ Σ_k U_k^p = ‖Y‖² − 2 Σ_k U_k N_k + Uᵀ HᵀH U + 2λ Σ_k U_k^p
//
// (the expansion is exact; it is evaluated in double and clamped at 0 against rounding). N and
// ‖Y‖² cost K·F once per frame; each iteration costs K² (HᵀH U), against ≈ K·F element updates
// of the general sweep. The activation update is the general kernel's own code.
//
// Frames run CNMF_SHARED_FRAMES side by side, all iterations of a group back to back: HᵀH (8·K²
// bytes, 1 MB at K = 352, from L2) is read once per iteration for the group instead of once per
// frame, which made HᵀH U a matrix-vector product bound by the cache's bandwidth (71 % of the
// shortcut's time at K = 352). Every frame's arithmetic is still its own, in the same order, so
// results do not depend on how frames are grouped.
#include "cnmf_internal.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#define L CNMF_LANES

double cnmf_portable_shared_statistics(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator) {
    const int F = plan->bins, K = plan->components;
    double *lanes = ws->lanes;  // [K][16] lane-wise partial sums, so the inner loop vectorises
    memset(lanes, 0, sizeof(double) * (size_t)K * L);
    double energy = 0;
    for (int tile = 0; tile < plan->tiles; tile++) {
        double v[L];
        for (int j = 0; j < L; j++) {
            const int f = tile * L + j;
            const double re = f < F ? spectrum[2 * f] : 0, im = f < F ? spectrum[2 * f + 1] : 0;
            const double power = re * re + im * im;
            energy += power;
            v[j] = sqrt(power);
        }
        const float *h = plan->htile + (size_t)tile * K * L;
        for (int k = 0; k < K; k++) {
            double *acc = lanes + (size_t)k * L;
            for (int j = 0; j < L; j++) acc[j] += (double)h[(size_t)k * L + j] * v[j];
        }
    }
    for (int k = 0; k < K; k++) {
        double sum = 0;
        for (int j = 0; j < L; j++) sum += lanes[(size_t)k * L + j];
        numerator[k] = sum;
    }
    return energy;
}

/// ‖Y‖² − 2 Uᵀ N + Uᵀ HᵀH U (given Uᵀ N and Uᵀ HᵀH U), clamped at 0 against rounding, + 2λ Σ U^p.
static double objective_of(const cnmf_plan *plan, double energy, double linear, double quadratic, double penalty) {
    const double residual = energy - 2 * linear + quadratic;
    return (residual < 0 ? 0 : residual) + 2 * plan->lambda * penalty;  // NaN stays NaN
}

/// The objective of the iterate in ws (ws->activation, ws->numerator, ws->denominator = HᵀH U)
/// with its penalty Σ U^p: ‖Y‖² − 2 Uᵀ N + Uᵀ HᵀH U, clamped at 0, + 2λ Σ U^p.
static double objective(const cnmf_plan *plan, const cnmf_workspace *ws, double energy, double penalty) {
    double linear = 0, quadratic = 0;
    for (int k = 0; k < plan->components; k++) {
        linear += ws->activation[k] * ws->numerator[k];
        quadratic += ws->activation[k] * ws->denominator[k];
    }
    return objective_of(plan, energy, linear, quadratic, penalty);
}

void cnmf_shared_phase_run(const cnmf_plan *plan, cnmf_workspace *ws, const double *numerator, double energy,
                           float *activations, int iterations, double *costs) {
    const int K = plan->components;
    const cnmf_kernels *kernels = plan->kernels;
#if defined(__x86_64__)
    const unsigned int mxcsr = _mm_getcsr();
    _mm_setcsr(mxcsr | 0x8040);  // FTZ | DAZ, as in cnmf_frame_run
#endif
    for (int k = 0; k < K; k++) {
        ws->u[k] = activations[k];
        ws->numerator[k] = numerator[k];
    }
    for (int i = 0; i <= iterations; i++) {
        const double penalty = kernels->powers(plan, ws);
        kernels->gram_times(plan, ws->activation, ws->denominator);
        costs[i] = objective(plan, ws, energy, penalty);
        if (i < iterations) kernels->update(plan, ws);
    }
    for (int k = 0; k < K; k++) activations[k] = ws->u[k];
#if defined(__x86_64__)
    _mm_setcsr(mxcsr);
#endif
}

int cnmf_shared_phase_frames(void) { return CNMF_SHARED_FRAMES; }

/// Points the workspace's single-frame arrays (what the powers and the update use) at slot j of
/// the side-by-side frames: ws->shared holds four planes (activation, power, denominator,
/// numerator) of CNMF_SHARED_FRAMES rows of Kp doubles.
static void point_at_slot(cnmf_workspace *ws, size_t Kp, int j) {
    const size_t slot = (size_t)j * Kp, plane = (size_t)CNMF_SHARED_FRAMES * Kp;
    ws->u = ws->shared_u + slot;
    ws->activation = ws->shared + slot;
    ws->power = ws->shared + plane + slot;
    ws->denominator = ws->shared + 2 * plane + slot;
    ws->numerator = ws->shared + 3 * plane + slot;
}

/// `objective` of the n side-by-side frames, cost j into costs[j · stride]: the frames' sums in
/// one loop over the components, so that their chains of additions overlap (each its own order).
static void objectives(const cnmf_plan *plan, const cnmf_workspace *ws, int n, size_t Kp, const double *energies, const double *penalty,
                       double *costs, size_t stride) {
    const size_t plane = (size_t)CNMF_SHARED_FRAMES * Kp;
    const double *activation = ws->shared, *denominator = ws->shared + 2 * plane, *numerator = ws->shared + 3 * plane;
    double linear[CNMF_SHARED_FRAMES] = {0}, quadratic[CNMF_SHARED_FRAMES] = {0};
    for (int k = 0; k < plan->components; k++) {
        for (int j = 0; j < n; j++) {
            const size_t at = (size_t)j * Kp + (size_t)k;
            linear[j] += activation[at] * numerator[at];
            quadratic[j] += activation[at] * denominator[at];
        }
    }
    for (int j = 0; j < n; j++) costs[(size_t)j * stride] = objective_of(plan, energies[j], linear[j], quadratic[j], penalty[j]);
}

void cnmf_shared_phase_run_frames(const cnmf_plan *plan, cnmf_workspace *ws, int count, const double *numerators, const double *energies,
                                  float *activations, int iterations, double *costs, size_t cost_stride) {
    const int K = plan->components;
    const size_t Kp = ((size_t)K + CNMF_LANES - 1) / CNMF_LANES * CNMF_LANES, plane = (size_t)CNMF_SHARED_FRAMES * Kp;
    const cnmf_kernels *kernels = plan->kernels;
    const cnmf_workspace saved = *ws;
#if defined(__x86_64__)
    const unsigned int mxcsr = _mm_getcsr();
    _mm_setcsr(mxcsr | 0x8040);  // FTZ | DAZ, as in cnmf_frame_run
#endif
    for (int first = 0; first < count; first += CNMF_SHARED_FRAMES) {
        const int n = count - first < CNMF_SHARED_FRAMES ? count - first : CNMF_SHARED_FRAMES;
        double penalty[CNMF_SHARED_FRAMES];
        for (int j = 0; j < n; j++) {
            point_at_slot(ws, Kp, j);
            for (int k = 0; k < K; k++) {
                ws->u[k] = activations[(size_t)(first + j) * K + k];
                ws->numerator[k] = numerators[(size_t)(first + j) * K + k];
            }
        }
        for (int i = 0; i <= iterations; i++) {
            for (int j = 0; j < n; j++) {
                point_at_slot(ws, Kp, j);
                penalty[j] = kernels->powers(plan, ws);
            }
            // (HᵀH U)_k of every frame in one pass over HᵀH: the same sums as gram_times.
            kernels->gram_times_frames(plan, n, ws->shared, Kp, ws->shared + 2 * plane);
            objectives(plan, ws, n, Kp, energies + first, penalty, costs + (size_t)first * cost_stride + (size_t)i, cost_stride);
            if (i < iterations) {
                for (int j = 0; j < n; j++) {
                    point_at_slot(ws, Kp, j);
                    kernels->update(plan, ws);
                }
            }
        }
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < K; k++) activations[(size_t)(first + j) * K + k] = ws->shared_u[(size_t)j * Kp + (size_t)k];
        }
    }
    *ws = saved;
#if defined(__x86_64__)
    _mm_setcsr(mxcsr);
#endif
}

void cnmf_portable_shared_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases) {
    const int F = plan->bins, K = plan->components;
    for (int k = 0; k < K; k++) {
        if (activations[k] <= plan->floor) activations[k] = 0;
    }
    if (model) {
        for (int tile = 0; tile < plan->tiles; tile++) {
            float s[L];
            memset(s, 0, sizeof s);
            const float *h = plan->htile + (size_t)tile * K * L;
            for (int k = 0; k < K; k++) {
                const float u = activations[k];
                for (int j = 0; j < L; j++) s[j] += h[(size_t)k * L + j] * u;
            }
            for (int j = 0; j < L && tile * L + j < F; j++) {
                const int f = tile * L + j;
                float c, sine;
                cnmf_mixture_phase(spectrum[2 * f], spectrum[2 * f + 1], &c, &sine);
                model[2 * f] = s[j] * c;
                model[2 * f + 1] = s[j] * sine;
            }
        }
    }
    if (phases) cnmf_mixture_phases(F, 1, spectrum, phases);
}

double cnmf_shared_phase_statistics(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator) {
    return plan->kernels->shared_statistics(plan, ws, spectrum, numerator);
}

void cnmf_shared_phase_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases) {
    plan->kernels->shared_finish(plan, spectrum, activations, model, phases);
}
