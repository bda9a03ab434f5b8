// Plain-C loops of the Euclidean NMF kernel, for any CPU. Same layouts and the same order of
// every sum as the AVX-512 loops (bnmf_euclid_avx512.c); the reciprocal is an exact division.
#include "bnmf_internal.h"

#include <string.h>

/// proj = Hᵀv = Σ_f H[f,:] v_f (f in order, lane-wise over k) and norm = Σ_f v_f² in double.
static void project(const bnmf_plan *plan, const float *const *vectors, int slots, double *projections, double *norms) {
    const int F = plan->bins;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = 0; j < slots; j++) {
        const float *v = vectors[j];
        double *proj = projections + j * Kp;
        memset(proj, 0, sizeof(double) * Kp);
        double norm = 0;
        for (int f = 0; f < F; f++) {
            const double x = v[f];
            const double *h = plan->hrow_d + (size_t)f * Kp;
            for (size_t k = 0; k < Kp; k++) proj[k] += h[k] * x;
            norm += x * x;
        }
        norms[j] = norm;
    }
}

/// gu = G uf (float, b in order, lane-wise over a) for the block of slots from j0.
static void gram(const bnmf_plan *plan, bnmf_workspace *ws, int j0) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = j0; j < j0 + BNMF_EUCLID_BLOCK; j++) {
        const float *u = ws->uf + j * Kp;
        float *gu = ws->gu + j * Kp;
        memset(gu, 0, sizeof(float) * Kp);
        for (int b = 0; b < K; b++) {
            const float *g = plan->gram + (size_t)b * Kp;
            const float ub = u[b];
            for (size_t a = 0; a < Kp; a++) gu[a] += g[a] * ub;
        }
    }
}

/// cost = ½ max(0, ‖v‖² − 2 uᵀHᵀv + uᵀG u) and, with `update`, u ← u ⊙ Hᵀv / (G u + ε).
static void step(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int update) {
    const size_t Kp = (size_t)plan->kpad;
    for (int j = j0; j < j0 + BNMF_EUCLID_BLOCK; j++) {
        double *u = ws->u + j * Kp;
        float *uf = ws->uf + j * Kp;
        const double *proj = ws->proj + j * Kp;
        const float *gu = ws->gu + j * Kp;
        double cross = 0, quadratic = 0;
        for (size_t k = 0; k < Kp; k++) {
            const double g = gu[k];
            cross += u[k] * proj[k];
            quadratic += u[k] * g;
            if (update) {
                u[k] = u[k] * proj[k] / (g + plan->eps);
                uf[k] = activation_float(u[k]);
            }
        }
        const double cost = ws->norm[j] - 2 * cross + quadratic;
        ws->cost[j] = cost < 0 ? 0 : 0.5 * cost;  // (NaN stays NaN)
    }
}

const bnmf_euclid_kernels bnmf_euclid_portable_kernels = { project, project, gram, step };
