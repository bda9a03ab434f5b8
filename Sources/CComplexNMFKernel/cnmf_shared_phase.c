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
#include "cnmf_internal.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#define L CNMF_LANES

double cnmf_shared_phase_statistics(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator) {
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
        double linear = 0, quadratic = 0;
        for (int k = 0; k < K; k++) {
            linear += ws->activation[k] * numerator[k];
            quadratic += ws->activation[k] * ws->denominator[k];
        }
        const double residual = energy - 2 * linear + quadratic;
        costs[i] = (residual < 0 ? 0 : residual) + 2 * plan->lambda * penalty;  // NaN stays NaN
        if (i < iterations) cnmf_update_activations(plan, ws);
    }
    for (int k = 0; k < K; k++) activations[k] = ws->u[k];
#if defined(__x86_64__)
    _mm_setcsr(mxcsr);
#endif
}

void cnmf_shared_phase_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases) {
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
