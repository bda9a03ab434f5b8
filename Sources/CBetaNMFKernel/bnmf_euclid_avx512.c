// AVX-512 (F, DQ, VL, BW) loops of the Euclidean NMF kernel.
//
// G u for a block of 32 frames (the lanes of two vectors) × up to 12 components at once (24
// accumulators; each broadcast load of G[b, a] feeds 2 FMAs, each load of u_b for 16 frames up
// to 12; with one vector of frames the broadcasts alone would saturate the load ports), b in
// order; the update and the costs likewise with the frames in the lanes. Hᵀv for
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
/// Frames per register block of the Hᵀv passes.
#define J 4

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

/// Transposes the 8 × 8 doubles of the rows r[0 … 7] in place (24 shuffles).
AVX512 static INLINE void transpose8(__m512d r[8]) {
    __m512d t[8], s[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);      // r_i,0 r_i+1,0 r_i,2 r_i+1,2 …
        t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);  // r_i,1 r_i+1,1 r_i,3 r_i+1,3 …
    }
    const __m512i even = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), odd = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int h = 0; h < 8; h += 4) {  // rows h … h + 3: columns (0, 4), (2, 6), (1, 5), (3, 7)
        s[h] = _mm512_permutex2var_pd(t[h], even, t[h + 2]);
        s[h + 1] = _mm512_permutex2var_pd(t[h], odd, t[h + 2]);
        s[h + 2] = _mm512_permutex2var_pd(t[h + 1], even, t[h + 3]);
        s[h + 3] = _mm512_permutex2var_pd(t[h + 1], odd, t[h + 3]);
    }
    r[0] = _mm512_shuffle_f64x2(s[0], s[4], 0x44);
    r[4] = _mm512_shuffle_f64x2(s[0], s[4], 0xee);
    r[2] = _mm512_shuffle_f64x2(s[1], s[5], 0x44);
    r[6] = _mm512_shuffle_f64x2(s[1], s[5], 0xee);
    r[1] = _mm512_shuffle_f64x2(s[2], s[6], 0x44);
    r[5] = _mm512_shuffle_f64x2(s[2], s[6], 0xee);
    r[3] = _mm512_shuffle_f64x2(s[3], s[7], 0x44);
    r[7] = _mm512_shuffle_f64x2(s[3], s[7], 0xee);
}

/// Mask of the components k0 … k0 + 7 below K.
static INLINE __mmask8 components_mask(int K, int k0) { return K - k0 >= D ? (__mmask8)0xff : (__mmask8)((1u << (K - k0)) - 1); }

/// See bnmf_euclid_kernels.load: tiles of 8 slots × 8 components, transposed in registers
/// (the slots beyond `count` are never read; the rows K … of a tile get 0, never read either).
AVX512 static void load(const bnmf_plan *plan, bnmf_workspace *ws, int count, int slots, const double *activations,
                        const double *projections, size_t stride) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j0 = 0; j0 < slots; j0 += D) {
        for (int k0 = 0; k0 < K; k0 += D) {
            const __mmask8 mask = components_mask(K, k0);
            __m512d u[8], b[8];
            for (int i = 0; i < D; i++) {
                const int j = j0 + i;
                u[i] = j < count ? _mm512_maskz_loadu_pd(mask, activations + (size_t)j * K + k0) : _mm512_setzero_pd();
                b[i] = j < count ? _mm512_maskz_loadu_pd(mask, projections + (size_t)j * stride + k0) : _mm512_setzero_pd();
            }
            transpose8(u);
            transpose8(b);
            for (int i = 0; i < D; i++) {
                const size_t at = euclid_index(Kp, j0, k0 + i);
                _mm256_store_ps(ws->uf + at, _mm512_cvtpd_ps(u[i]));  // (FTZ: below FLT_MIN is 0, as activation_float)
                _mm256_store_ps(ws->bt + at, _mm512_cvtpd_ps(b[i]));
                _mm512_store_pd(ws->bd + at, b[i]);
            }
        }
    }
}

/// See bnmf_euclid_kernels.store: tiles of 8 slots × 8 components, transposed in registers.
AVX512 static void store(const bnmf_plan *plan, const bnmf_workspace *ws, int count, double *activations) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j0 = 0; j0 < count; j0 += D) {
        for (int k0 = 0; k0 < K; k0 += D) {
            __m512d u[8];
            for (int i = 0; i < D; i++) u[i] = _mm512_cvtps_pd(_mm256_load_ps(ws->uf + euclid_index(Kp, j0, k0 + i)));
            transpose8(u);
            for (int i = 0; i < D && j0 + i < count; i++) {
                _mm512_mask_storeu_pd(activations + (size_t)(j0 + i) * K + k0, components_mask(K, k0), u[i]);
            }
        }
    }
}

/// Rows of G u per register block (each row: 2 accumulators of 16 frames).
#define GRAM_ROWS 12
/// Vectors of floats per block of frames.
#define FV (BNMF_EUCLID_BLOCK / L)
_Static_assert(FV == 2, "a block of frames is two vectors of floats");

/// gu[a, the block's 32 frames] = Σ_b G[b, a] uf[b, …] for the `R` rows a from a0 (b in order;
/// each broadcast load of G[b, a] feeds 2 FMAs, each load of u_b for 16 frames R).
AVX512 static INLINE void gram_rows(const bnmf_plan *plan, const float *restrict u, float *restrict gu, int a0, const int R) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    __m512 acc[GRAM_ROWS][FV];
    for (int r = 0; r < R; r++) for (int v = 0; v < FV; v++) acc[r][v] = _mm512_setzero_ps();
    for (int b = 0; b < K; b++) {
        __m512 ub[FV];
        for (int v = 0; v < FV; v++) ub[v] = _mm512_load_ps(u + (size_t)b * BNMF_EUCLID_BLOCK + (size_t)v * L);
        const float *g = plan->gram + (size_t)b * Kp + a0;
        // Unrolled by order: left to itself, clang kept the loop over R = 12 rows (the `default`
        // case) rolled, which put the 24 accumulators on the stack and cut the rate by up to half
        // at every K with blocks of 12 rows (K = 96, 176, 352, …; not K = 88, 8 blocks of 11).
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            const __m512 gb = _mm512_set1_ps(g[r]);
            for (int v = 0; v < FV; v++) acc[r][v] = _mm512_fmadd_ps(gb, ub[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < FV; v++) _mm512_store_ps(gu + (size_t)(a0 + r) * BNMF_EUCLID_BLOCK + (size_t)v * L, acc[r][v]);
    }
}

#define GRAM_CASE(R) case R: gram_rows(plan, u, gu, a0, R); break;

AVX512 static void gram(const bnmf_plan *plan, bnmf_workspace *ws, int j0) {
    const int K = plan->components;
    const size_t at = euclid_index((size_t)plan->kpad, j0, 0);
    const float *u = ws->uf + at;
    float *gu = ws->gu + at;
    const int chunks = (K + GRAM_ROWS - 1) / GRAM_ROWS;
    int a0 = 0;
    for (int c = 0; c < chunks; c++) {
        // Rows in chunks of at most GRAM_ROWS, as even as possible (88 → 8 × 11).
        const int R = (K - a0) / (chunks - c) + ((K - a0) % (chunks - c) != 0);
        switch (R) {
        GRAM_CASE(1) GRAM_CASE(2) GRAM_CASE(3) GRAM_CASE(4) GRAM_CASE(5) GRAM_CASE(6)
        GRAM_CASE(7) GRAM_CASE(8) GRAM_CASE(9) GRAM_CASE(10) GRAM_CASE(11)
        default: gram_rows(plan, u, gu, a0, GRAM_ROWS); break;
        }
        a0 += R;
    }
}

/// 1/x in float for x ≥ ε > 0: rcp14 (relative error < 2⁻¹⁴) and one Newton step
/// r ← r + r (1 − x r) (relative error ≈ 2⁻²³, the float rounding).
AVX512 static INLINE __m512 reciprocal_ps(__m512 x) {
    const __m512 r = _mm512_rcp14_ps(x);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(x, r, _mm512_set1_ps(1.0f)), r);
}

/// cost = ½ max(0, ‖v‖² + Σ_k u_k (G u − 2 Hᵀv)_k) (each term in float, the sum over k in
/// double, k in order) and, with `update`, u ← u ⊙ Hᵀv / (G u + ε) (float), for the block of
/// 32 frames from j0, 16 frames per vector. The driver runs with FTZ | DAZ, so an update below
/// FLT_MIN is stored as 0, which is what activation_float gives. `update` is a constant in each
/// of the two copies `step` calls.
AVX512 static INLINE void step_block(const bnmf_plan *plan, bnmf_workspace *ws, int j0, const int update) {
    const int K = plan->components;
    const size_t at = euclid_index((size_t)plan->kpad, j0, 0);
    float *restrict u = ws->uf + at;
    const float *restrict bt = ws->bt + at;
    const float *restrict gu = ws->gu + at;
    const double *restrict bd_row = ws->bd + at;
    const __m512 eps = _mm512_set1_ps(plan->epsf);
    const __m512d two_d = _mm512_set1_pd(2.0);
    __m512d sum[2 * FV];
    for (int h = 0; h < 2 * FV; h++) sum[h] = _mm512_setzero_pd();
    for (int k = 0; k < K; k++) {
        for (int v = 0; v < FV; v++) {
            const size_t i = (size_t)k * BNMF_EUCLID_BLOCK + (size_t)v * L;
            const __m512 g = _mm512_load_ps(gu + i), x = _mm512_load_ps(u + i), b = _mm512_load_ps(bt + i);
            if (update) _mm512_store_ps(u + i, _mm512_mul_ps(_mm512_mul_ps(x, b), reciprocal_ps(_mm512_add_ps(g, eps))));
            for (int h = 0; h < 2; h++) {
                const __m256 xh = h == 0 ? _mm512_castps512_ps256(x) : _mm512_extractf32x8_ps(x, 1);
                const __m256 gh = h == 0 ? _mm512_castps512_ps256(g) : _mm512_extractf32x8_ps(g, 1);
                const __m512d bd = _mm512_load_pd(bd_row + i + (size_t)h * D);
                sum[2 * v + h] = _mm512_fmadd_pd(_mm512_cvtps_pd(xh), _mm512_fnmadd_pd(two_d, bd, _mm512_cvtps_pd(gh)), sum[2 * v + h]);
            }
        }
    }
    for (int h = 0; h < 2 * FV; h++) {
        const __m512d cost = _mm512_add_pd(_mm512_loadu_pd(ws->norm + j0 + h * D), sum[h]);
        const __mmask8 negative = _mm512_cmp_pd_mask(cost, _mm512_setzero_pd(), _CMP_LT_OQ);  // (NaN stays NaN)
        _mm512_storeu_pd(ws->cost + j0 + h * D, _mm512_maskz_mul_pd((__mmask8)~negative, cost, _mm512_set1_pd(0.5)));
    }
}

AVX512 static void step(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int update) {
    if (update) step_block(plan, ws, j0, 1);
    else step_block(plan, ws, j0, 0);
}

const bnmf_euclid_kernels bnmf_euclid_avx512_kernels = { project, project_double, load, store, gram, step };

#endif
