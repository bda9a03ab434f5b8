// Plain-C loops of the Euclidean NMF kernel, for any CPU. Same layouts and the same order of
// every sum over components as the AVX-512 loops (bnmf_euclid_avx512.c), Hᵀv all in double;
// the reciprocal is an exact division.
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

static void load(const bnmf_plan *plan, bnmf_workspace *ws, int count, int slots, const double *activations,
                 const double *projections, size_t stride) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = 0; j < slots; j++) {
        for (int k = 0; k < K; k++) {
            const size_t at = euclid_index(Kp, j, k);
            ws->u[at] = j < count ? activations[(size_t)j * K + k] : 0;
            ws->uf[at] = activation_float(ws->u[at]);
            ws->bt[at] = j < count ? projections[(size_t)j * stride + k] : 0;
        }
    }
}

static void store(const bnmf_plan *plan, const bnmf_workspace *ws, int count, double *activations) {
    const int K = plan->components;
    for (int j = 0; j < count; j++) {
        for (int k = 0; k < K; k++) activations[(size_t)j * K + k] = ws->u[euclid_index((size_t)plan->kpad, j, k)];
    }
}

/// gu = G uf (float, b in order) for the block of slots from j0 (block layout, euclid_index).
static void gram(const bnmf_plan *plan, bnmf_workspace *ws, int j0) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = j0; j < j0 + BNMF_EUCLID_BLOCK; j++) {
        for (int a = 0; a < K; a++) {
            float sum = 0;
            for (int b = 0; b < K; b++) sum += plan->gram[(size_t)b * Kp + a] * ws->uf[euclid_index(Kp, j, b)];
            ws->gu[euclid_index(Kp, j, a)] = sum;
        }
    }
}

/// cost = ½ max(0, ‖v‖² + Σ_k u_k (G u − 2 Hᵀv)_k) (k in order) and, with `update`,
/// u ← u ⊙ Hᵀv / (G u + ε).
static void step(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int update) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = j0; j < j0 + BNMF_EUCLID_BLOCK; j++) {
        double sum = 0;
        for (int k = 0; k < K; k++) {
            const size_t at = euclid_index(Kp, j, k);
            const double x = ws->u[at], b = ws->bt[at], g = ws->gu[at];
            sum += x * (g - 2 * b);
            if (update) {
                ws->u[at] = x * b / (g + plan->eps);
                ws->uf[at] = activation_float(ws->u[at]);
            }
        }
        const double cost = ws->norm[j] + sum;
        ws->cost[j] = cost < 0 ? 0 : 0.5 * cost;  // (NaN stays NaN)
    }
}

const bnmf_euclid_kernels bnmf_euclid_portable_kernels = { project, project, load, store, gram, step };
