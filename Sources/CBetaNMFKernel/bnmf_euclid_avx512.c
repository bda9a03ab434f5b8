// AVX-512 (F, DQ, VL, BW) loops of the Euclidean NMF kernel.
//
// G u for 4 frames × up to 6 vectors of 16 components at once (24 accumulators; each load of a
// row of G feeds 4 FMAs, each broadcast of u_b up to 6), b in order. Hᵀv likewise for
// 4 frames × up to 6 vectors of 16 components, over blocks of FLOAT_BLOCK bins whose rows of H
// stay in L1 for every 4 frames of the group: the products of a block are summed in float
// (f in order) and the blocks' sums added in double, in order (≈ as accurate as double for the
// cost's n − 2 uᵀb, at the float rate). G itself (at plan time) is summed in double throughout,
// 4 frames × up to 6 vectors of 8 components, over blocks of PROJECT_BLOCK bins (v converted
// to double per block, so the broadcasts are loads and leave the FMA ports alone). The reciprocal of the
// update is rcp14 refined by one Newton step in double (relative error < 4e-9, no divider).
// Compiled for AVX-512 through function attributes and chosen at run time, so the package
// needs no compiler flags.
#include "bnmf_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <string.h>

#define L BNMF_LANES
#define D 8  // doubles per vector
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#define INLINE __attribute__((always_inline)) inline
/// Bins per block of the double Hᵀv pass (16 rows of H in double: 16 · kpad · 8 bytes, 12 KB for K = 88).
#define PROJECT_BLOCK 16
/// Bins per block of the float Hᵀv pass: products summed in float within a block, the block
/// sums in double (16 rows of H: 6 KB for K = 88). 16 rather than 32: the float sums' rounding
/// grows with the block, and the per-frame costs n − 2 uᵀb + uᵀG u of a well-fitted frame
/// cancel (BetaNMFKernelTests' frame costs: 7e-7 of the 1e-6 allowed at 16, 8e-7 at 32,
/// 5e-7 with b all in double); 32 bins would save another ~0.5 ms of the ~5 ms Hᵀv pass at
/// K = 88, F = 1025, T = 2000.
#define FLOAT_BLOCK 16
#define J BNMF_EUCLID_BLOCK

/// Σ_f over bins [f0, f1) (at most PROJECT_BLOCK) of H[f, kv·8 …] x_j[f − f0] (double) for 4
/// vectors x (v converted to double) and `V` vectors of components from `kv`, continuing the
/// sums in proj[j · kpad …] (from 0 when f0 = 0).
AVX512 static INLINE void project_block(const bnmf_plan *plan, const double (*x)[PROJECT_BLOCK], int f0, int f1, double *proj,
                                        int kv, const int V) {
    const size_t Kp = (size_t)plan->kpad;
    __m512d acc[6][J];
    for (int j = 0; j < J; j++) {
        for (int i = 0; i < V; i++) acc[i][j] = f0 == 0 ? _mm512_setzero_pd() : _mm512_load_pd(proj + (size_t)j * Kp + (size_t)(kv + i) * D);
    }
    for (int f = f0; f < f1; f++) {
        const double *h = plan->hrow_d + (size_t)f * Kp + (size_t)kv * D;
        __m512d hv[6];
        for (int i = 0; i < V; i++) hv[i] = _mm512_load_pd(h + (size_t)i * D);
        for (int j = 0; j < J; j++) {
            const __m512d xj = _mm512_set1_pd(x[j][f - f0]);  // a broadcast load, no shuffle
            for (int i = 0; i < V; i++) acc[i][j] = _mm512_fmadd_pd(hv[i], xj, acc[i][j]);
        }
    }
    for (int j = 0; j < J; j++) {
        for (int i = 0; i < V; i++) _mm512_store_pd(proj + (size_t)j * Kp + (size_t)(kv + i) * D, acc[i][j]);
    }
}

/// Vectors of 8 components that hold real ones (the rest of kpad is zero padding).
static INLINE int double_vectors(const bnmf_plan *plan) { return (plan->components + D - 1) / D; }

/// Bins f0 … f0 + 15 of v as double (zero beyond F).
AVX512 static INLINE void to_double(const float *v, int f0, int F, double *out) {
    const __mmask16 mask = F - f0 >= L ? (__mmask16)0xffff : (__mmask16)((1u << (F - f0)) - 1);
    const __m512 x = _mm512_maskz_loadu_ps(mask, v + f0);
    _mm512_store_pd(out, _mm512_cvtps_pd(_mm512_castps512_ps256(x)));
    _mm512_store_pd(out + D, _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)));
}

/// ‖v‖² of the `slots` vectors: lane-wise over 16 consecutive bins in double, then across lanes.
/// Run before the blocked Hᵀv pass, so that each frame streams in order from memory into L2.
AVX512 static void squared_norms(const bnmf_plan *plan, const float *const *v, int slots, double *norms) {
    const int F = plan->bins;
    for (int j = 0; j < slots; j++) {
        __m512d lo = _mm512_setzero_pd(), hi = lo;
        for (int f = 0; f < F; f += L) {
            const __mmask16 mask = F - f >= L ? (__mmask16)0xffff : (__mmask16)((1u << (F - f)) - 1);
            const __m512 y = _mm512_maskz_loadu_ps(mask, v[j] + f);
            const __m512d yl = _mm512_cvtps_pd(_mm512_castps512_ps256(y)), yh = _mm512_cvtps_pd(_mm512_extractf32x8_ps(y, 1));
            lo = _mm512_fmadd_pd(yl, yl, lo);
            hi = _mm512_fmadd_pd(yh, yh, hi);
        }
        norms[j] = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
    }
}

/// Σ_f over bins [f0, f1) (at most FLOAT_BLOCK) of H[f, kv·16 …] v_j[f] in float for the 4
/// vectors v from j0 and `V` vectors of components from `kv`, added in double to the sums in
/// proj[j · kpad …] (which start from this block when f0 = 0).
AVX512 static INLINE void project_block_float(const bnmf_plan *plan, const float *const *v, int f0, int f1, double *proj,
                                              int kv, const int V) {
    const size_t Kp = (size_t)plan->kpad;
    __m512 acc[6][J];
    for (int j = 0; j < J; j++) for (int i = 0; i < V; i++) acc[i][j] = _mm512_setzero_ps();
    for (int f = f0; f < f1; f++) {
        const float *h = plan->hrow + (size_t)f * Kp + (size_t)kv * L;
        __m512 hv[6];
        for (int i = 0; i < V; i++) hv[i] = _mm512_load_ps(h + (size_t)i * L);
        for (int j = 0; j < J; j++) {
            const __m512 xj = _mm512_set1_ps(v[j][f]);  // a broadcast load
            for (int i = 0; i < V; i++) acc[i][j] = _mm512_fmadd_ps(hv[i], xj, acc[i][j]);
        }
    }
    for (int j = 0; j < J; j++) {
        for (int i = 0; i < V; i++) {
            double *p = proj + (size_t)j * Kp + (size_t)(kv + i) * L;
            __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(acc[i][j]));
            __m512d hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(acc[i][j], 1));
            if (f0 != 0) {
                lo = _mm512_add_pd(_mm512_load_pd(p), lo);
                hi = _mm512_add_pd(_mm512_load_pd(p + D), hi);
            }
            _mm512_store_pd(p, lo);
            _mm512_store_pd(p + D, hi);
        }
    }
}

/// The frames' Hᵀv: float within blocks of FLOAT_BLOCK bins, double across them.
AVX512 static void project(const bnmf_plan *plan, const float *const *v, int slots, double *projections, double *norms) {
    const int F = plan->bins, vectors = plan->kpad / L;
    const size_t Kp = (size_t)plan->kpad;
    const int chunks = (vectors + 5) / 6;
    squared_norms(plan, v, slots, norms);
    for (int f0 = 0; f0 < F; f0 += FLOAT_BLOCK) {
        const int f1 = F - f0 < FLOAT_BLOCK ? F : f0 + FLOAT_BLOCK;
        for (int j0 = 0; j0 < slots; j0 += J) {
            int kv = 0;
            for (int c = 0; c < chunks; c++) {
                // Component vectors in chunks of at most 6, as even as possible (7 → 4 + 3).
                const int V = (vectors - kv) / (chunks - c) + ((vectors - kv) % (chunks - c) != 0);
                double *proj = projections + (size_t)j0 * Kp;
                switch (V) {
                case 1: project_block_float(plan, v + j0, f0, f1, proj, kv, 1); break;
                case 2: project_block_float(plan, v + j0, f0, f1, proj, kv, 2); break;
                case 3: project_block_float(plan, v + j0, f0, f1, proj, kv, 3); break;
                case 4: project_block_float(plan, v + j0, f0, f1, proj, kv, 4); break;
                case 5: project_block_float(plan, v + j0, f0, f1, proj, kv, 5); break;
                default: project_block_float(plan, v + j0, f0, f1, proj, kv, 6); break;
                }
                kv += V;
            }
        }
    }
    // The padding of kpad (and everything when F = 0) is zero.
    const size_t from = F == 0 ? 0 : (size_t)plan->components;
    for (int j = 0; j < slots; j++) memset(projections + j * Kp + from, 0, sizeof(double) * (Kp - from));
}

AVX512 static void project_double(const bnmf_plan *plan, const float *const *v, int slots, double *projections, double *norms) {
    const int F = plan->bins, vectors = double_vectors(plan);
    const size_t Kp = (size_t)plan->kpad;
    const int chunks = (vectors + 5) / 6;
    squared_norms(plan, v, slots, norms);
    _Alignas(64) double x[J][PROJECT_BLOCK];
    for (int f0 = 0; f0 < F; f0 += PROJECT_BLOCK) {
        const int f1 = F - f0 < PROJECT_BLOCK ? F : f0 + PROJECT_BLOCK;
        for (int j0 = 0; j0 < slots; j0 += J) {
            for (int j = 0; j < J; j++) to_double(v[j0 + j], f0, F, x[j]);
            int kv = 0;
            for (int c = 0; c < chunks; c++) {
                // Component vectors in chunks of at most 6, as even as possible (11 → 6 + 5).
                const int V = (vectors - kv) / (chunks - c) + ((vectors - kv) % (chunks - c) != 0);
                double *proj = projections + (size_t)j0 * Kp;
                switch (V) {
                case 1: project_block(plan, x, f0, f1, proj, kv, 1); break;
                case 2: project_block(plan, x, f0, f1, proj, kv, 2); break;
                case 3: project_block(plan, x, f0, f1, proj, kv, 3); break;
                case 4: project_block(plan, x, f0, f1, proj, kv, 4); break;
                case 5: project_block(plan, x, f0, f1, proj, kv, 5); break;
                default: project_block(plan, x, f0, f1, proj, kv, 6); break;
                }
                kv += V;
            }
        }
    }
    // The padding of kpad (and everything when F = 0) is zero.
    for (int j = 0; j < slots; j++) {
        const size_t from = F == 0 ? 0 : (size_t)vectors * D;
        memset(projections + j * Kp + from, 0, sizeof(double) * (Kp - from));
    }
}

/// gu = G uf for the 4 slots from j0 and `V` vectors of components from `kv`: b in order.
AVX512 static INLINE void gram_block(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int kv, const int V) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    __m512 acc[6][J];
    for (int j = 0; j < J; j++) for (int i = 0; i < V; i++) acc[i][j] = _mm512_setzero_ps();
    const float *g = plan->gram + (size_t)kv * L;
    const float *u = ws->uf + (size_t)j0 * Kp;
    for (int b = 0; b < K; b++) {
        __m512 gv[6];
        for (int i = 0; i < V; i++) gv[i] = _mm512_load_ps(g + (size_t)b * Kp + (size_t)i * L);
        for (int j = 0; j < J; j++) {
            const __m512 ub = _mm512_set1_ps(u[(size_t)j * Kp + b]);
            for (int i = 0; i < V; i++) acc[i][j] = _mm512_fmadd_ps(gv[i], ub, acc[i][j]);
        }
    }
    for (int j = 0; j < J; j++) {
        for (int i = 0; i < V; i++) _mm512_store_ps(ws->gu + (size_t)(j0 + j) * Kp + (size_t)(kv + i) * L, acc[i][j]);
    }
}

AVX512 static void gram(const bnmf_plan *plan, bnmf_workspace *ws, int j0) {
    const int vectors = plan->kpad / L;
    const int chunks = (vectors + 5) / 6;
    int kv = 0;
    for (int c = 0; c < chunks; c++) {
        const int V = (vectors - kv) / (chunks - c) + ((vectors - kv) % (chunks - c) != 0);
        switch (V) {
        case 1: gram_block(plan, ws, j0, kv, 1); break;
        case 2: gram_block(plan, ws, j0, kv, 2); break;
        case 3: gram_block(plan, ws, j0, kv, 3); break;
        case 4: gram_block(plan, ws, j0, kv, 4); break;
        case 5: gram_block(plan, ws, j0, kv, 5); break;
        default: gram_block(plan, ws, j0, kv, 6); break;
        }
        kv += V;
    }
    if (plan->components == 0) memset(ws->gu + (size_t)j0 * plan->kpad, 0, sizeof(float) * J * plan->kpad);
}

/// 1/x in double for x ≥ ε > 0: rcp14 (relative error < 2⁻¹⁴) and one Newton step
/// r ← r + r (1 − x r) (relative error < 2⁻²⁸ ≈ 4e-9, far below the float rounding of G u).
AVX512 static INLINE __m512d reciprocal_pd(__m512d x) {
    const __m512d r = _mm512_rcp14_pd(x);
    return _mm512_fmadd_pd(r, _mm512_fnmadd_pd(x, r, _mm512_set1_pd(1.0)), r);
}

/// One slot's arrays for `step` (local restrict pointers, so that the stores through the
/// may-alias vector types do not make the compiler reload them).
typedef struct {
    double *restrict u;
    float *restrict uf;
    const double *restrict b;
    const float *restrict gu;
} step_slot;

/// 8 components from k of one slot: with `update`, u ← u ⊙ b / (G u + ε) (and its float copy);
/// returns `sum` + u (G u − 2 b) of the u it was given.
AVX512 static INLINE __m512d step_vector(step_slot s, size_t k, __m512d eps, const int update, __m512d sum) {
    const __m512d g = _mm512_cvtps_pd(_mm256_load_ps(s.gu + k));
    const __m512d x = _mm512_load_pd(s.u + k), b = _mm512_load_pd(s.b + k);
    if (update) {
        const __m512d next = _mm512_mul_pd(_mm512_mul_pd(x, b), reciprocal_pd(_mm512_add_pd(g, eps)));
        _mm512_store_pd(s.u + k, next);
        _mm256_store_ps(s.uf + k, _mm512_cvtpd_ps(next));
    }
    return _mm512_fmadd_pd(x, _mm512_fnmadd_pd(_mm512_set1_pd(2.0), b, g), sum);
}

/// cost = ½ max(0, ‖v‖² − 2 uᵀHᵀv + uᵀG u) and, with `update`, u ← u ⊙ Hᵀv / (G u + ε), for the
/// 4 slots from j0. The float copy for G u is a plain conversion: the driver runs with
/// FTZ | DAZ, so a copy below FLT_MIN is read as 0 by `gram`, which is what activation_float
/// gives. `update` is a constant in each of the two copies `step` calls.
AVX512 static INLINE void step_block(const bnmf_plan *plan, bnmf_workspace *ws, int j0, const int update) {
    const size_t Kp = (size_t)plan->kpad, real = (size_t)double_vectors(plan) * D;  // (the padding stays 0)
    const __m512d eps = _mm512_set1_pd(plan->eps);
    for (int j = j0; j < j0 + J; j++) {
        const step_slot s = { ws->u + j * Kp, ws->uf + j * Kp, ws->proj + j * Kp, ws->gu + j * Kp };
        // uᵀG u − 2 uᵀHᵀv lane-wise in two chains (even and odd vectors), then across lanes.
        __m512d even = _mm512_setzero_pd(), odd = even;
        size_t k = 0;
        for (; k + 2 * D <= real; k += 2 * D) {
            even = step_vector(s, k, eps, update, even);
            odd = step_vector(s, k + D, eps, update, odd);
        }
        if (k < real) even = step_vector(s, k, eps, update, even);
        const double cost = ws->norm[j] + _mm512_reduce_add_pd(_mm512_add_pd(even, odd));
        ws->cost[j] = cost < 0 ? 0 : 0.5 * cost;  // (NaN stays NaN)
    }
}

AVX512 static void step(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int update) {
    if (update) step_block(plan, ws, j0, 1);
    else step_block(plan, ws, j0, 0);
}

const bnmf_euclid_kernels bnmf_euclid_avx512_kernels = { project, project_double, gram, step };

#endif
