// AVX-512 (F, DQ, VL, BW) loops of the β-divergence NMF kernel. Λ is summed for 2 tiles × 8
// frames at once (16 independent accumulators; each load of H feeds 8 FMAs, each broadcast of
// u_k two); the sums Σ_f H w for 2 frames × up to 4 vectors of 16 components at once, over
// blocks of 64 bins so that the block's rows of H stay in L1 for every pair of frames.
// Λ^−½ and 1/Λ from rsqrt14 / rcp14 refined by one Newton step (relative error ≈ 1e-7, like a
// float division); log Λ in double from getexp/getmant and the atanh series (error ≈ 1e-16).
// Compiled for AVX-512 through function attributes and chosen at run time, so the package
// needs no compiler flags.
#include "bnmf_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <string.h>

#define L BNMF_LANES
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#define INLINE __attribute__((always_inline)) inline
/// Bins per block of the Σ_f pass (64 rows of H: 64 · kpad floats, 24 KB for K = 88).
#define SUM_BLOCK 64

/// ln x in double for x > 0 normal: x = 2^n m with m in [√½, √2), ln m = 2 atanh(s),
/// s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s¹⁹ (truncation < 1e-17).
AVX512 static INLINE __m512d log_pd(__m512d x) {
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d n = _mm512_getexp_pd(x);
    __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    const __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951), _CMP_GT_OQ);
    m = _mm512_mask_mul_pd(m, big, m, _mm512_set1_pd(0.5));
    n = _mm512_mask_add_pd(n, big, n, one);
    const __m512d s = _mm512_div_pd(_mm512_sub_pd(m, one), _mm512_add_pd(m, one));
    const __m512d s2 = _mm512_mul_pd(s, s);
    __m512d series = _mm512_set1_pd(1.0 / 19);
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 17));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 15));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 13));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 11));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 9));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 7));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 5));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 3));
    const __m512d twoS = _mm512_add_pd(s, s);
    const __m512d lnm = _mm512_fmadd_pd(_mm512_mul_pd(twoS, s2), series, twoS);
    return _mm512_fmadd_pd(n, _mm512_set1_pd(0.6931471805599453), lnm);
}

AVX512 static INLINE __m512d low_pd(__m512 x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
AVX512 static INLINE __m512d high_pd(__m512 x) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)); }

/// Lanes of the tile that are real bins.
static INLINE __mmask16 tile_mask(const bnmf_plan *plan, int tile) {
    const int rest = plan->bins - tile * L;
    return rest >= L ? (__mmask16)0xffff : (__mmask16)((1u << rest) - 1);
}

AVX512 static void prepare(const bnmf_plan *plan, bnmf_workspace *ws, int slots) {
    const __m512 eps = _mm512_set1_ps(plan->epsf);
    for (int j = 0; j < slots; j++) {
        const float *v = ws->v[j];
        float *root = ws->root + j * plan->fpad;
        __m512d lo = _mm512_setzero_pd(), hi = lo;
        for (int tile = 0; tile < plan->tiles; tile++) {
            const __mmask16 mask = tile_mask(plan, tile);
            const __m512 x = _mm512_maskz_loadu_ps(mask, v + tile * L);
            switch (plan->kind) {
            case BNMF_KL: {  // Σ_{v>0} v log(v + ε) − v
                const __m512 shifted = _mm512_add_ps(x, eps);
                const __m512d xl = low_pd(x), xh = high_pd(x);
                lo = _mm512_add_pd(lo, _mm512_fmsub_pd(xl, log_pd(low_pd(shifted)), xl));
                hi = _mm512_add_pd(hi, _mm512_fmsub_pd(xh, log_pd(high_pd(shifted)), xh));
                break;
            }
            case BNMF_IS: {  // −Σ log(v + ε) + 1
                const __m512 shifted = _mm512_add_ps(x, eps);
                const __mmask8 ml = (__mmask8)mask, mh = (__mmask8)(mask >> 8);
                const __m512d one = _mm512_set1_pd(1.0);
                lo = _mm512_mask_sub_pd(lo, ml, lo, _mm512_add_pd(log_pd(low_pd(shifted)), one));
                hi = _mm512_mask_sub_pd(hi, mh, hi, _mm512_add_pd(log_pd(high_pd(shifted)), one));
                break;
            }
            case BNMF_HALF:
                _mm512_store_ps(root + tile * L, _mm512_sqrt_ps(x));
                break;
            case BNMF_EUCLID:  // (bnmf_euclid_avx512.c)
                break;
            }
        }
        ws->constant[j] = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
    }
}

/// Weights and cost of one slot's tile from its Λ (see bnmf_portable.c for the formulas).
/// `kind` is a constant in each copy, so that only its divergence's constants hold registers.
AVX512 static INLINE void finish_tile(const bnmf_plan *plan, bnmf_workspace *ws, int j, int tile, __m512 lambda,
                                      int update, __m512d *costLo, __m512d *costHi, const bnmf_kind kind) {
    const size_t Fp = plan->fpad, at = (size_t)j * Fp + (size_t)tile * L;
    const __mmask16 mask = tile_mask(plan, tile);
    const __m512 v = _mm512_maskz_loadu_ps(mask, ws->v[j] + tile * L);
    const __m512 eps = _mm512_set1_ps(plan->epsf);
    const __m512 two = _mm512_set1_ps(2.0f);
    __m512d termLo, termHi;
    switch (kind) {
    case BNMF_KL: {
        __m512 r = _mm512_rcp14_ps(lambda);
        r = _mm512_mul_ps(r, _mm512_fnmadd_ps(lambda, r, two));
        if (update) _mm512_store_ps(ws->wa + at, _mm512_mul_ps(v, r));
        const __m512 excess = _mm512_sub_ps(lambda, eps);
        termLo = _mm512_fnmadd_pd(low_pd(v), log_pd(low_pd(lambda)), low_pd(excess));
        termHi = _mm512_fnmadd_pd(high_pd(v), log_pd(high_pd(lambda)), high_pd(excess));
        break;
    }
    case BNMF_HALF: {
        __m512 r = _mm512_rsqrt14_ps(lambda);
        // r ← r (3 − Λ r²) / 2
        r = _mm512_mul_ps(_mm512_mul_ps(r, _mm512_set1_ps(0.5f)), _mm512_fnmadd_ps(_mm512_mul_ps(lambda, r), r, _mm512_set1_ps(3.0f)));
        if (update) {
            _mm512_store_ps(ws->wb + at, r);
            _mm512_store_ps(ws->wa + at, _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(v, r), r), r));
        }
        // d = 2 ((Λ − v) / (√Λ + √v))² / √Λ
        const __m512 sum = _mm512_add_ps(_mm512_mul_ps(lambda, r), _mm512_load_ps(ws->root + at));
        __m512 q = _mm512_rcp14_ps(sum);
        q = _mm512_mul_ps(q, _mm512_fnmadd_ps(sum, q, two));
        const __m512 z = _mm512_mul_ps(_mm512_sub_ps(lambda, v), q);
        const __m512 d = _mm512_maskz_mul_ps(mask, _mm512_mul_ps(_mm512_mul_ps(z, z), r), two);
        termLo = low_pd(d);
        termHi = high_pd(d);
        break;
    }
    default: {  // BNMF_IS
        __m512 r = _mm512_rcp14_ps(lambda);
        r = _mm512_mul_ps(r, _mm512_fnmadd_ps(lambda, r, two));
        if (update) {
            _mm512_store_ps(ws->wb + at, r);
            _mm512_store_ps(ws->wa + at, _mm512_mul_ps(_mm512_mul_ps(v, r), r));
        }
        const __m512 shifted = _mm512_add_ps(v, eps);
        const __m512d lLo = low_pd(lambda), lHi = high_pd(lambda);
        termLo = _mm512_maskz_add_pd((__mmask8)mask, _mm512_div_pd(low_pd(shifted), lLo), log_pd(lLo));
        termHi = _mm512_maskz_add_pd((__mmask8)(mask >> 8), _mm512_div_pd(high_pd(shifted), lHi), log_pd(lHi));
        break;
    }
    }
    *costLo = _mm512_add_pd(*costLo, termLo);
    *costHi = _mm512_add_pd(*costHi, termHi);
}

/// Λ of `T` tiles from `tile` for the 8 slots from `j0`: Λ = ε + Σ_k u_k H[:, k], k in order.
AVX512 static INLINE void model_block(const bnmf_plan *plan, bnmf_workspace *ws, int tile, int j0, const int T,
                                      int update, __m512d *costs, const bnmf_kind kind) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    __m512 acc[2][BNMF_SLOT_BLOCK];
    const __m512 eps = _mm512_set1_ps(plan->epsf);
    for (int t = 0; t < T; t++) for (int j = 0; j < BNMF_SLOT_BLOCK; j++) acc[t][j] = eps;
    const float *h = plan->htile + (size_t)tile * K * L;
    const float *u = ws->uf + (size_t)j0 * Kp;
    for (int k = 0; k < K; k++) {
        __m512 hk[2];
        for (int t = 0; t < T; t++) hk[t] = _mm512_load_ps(h + ((size_t)t * K + k) * L);
        for (int j = 0; j < BNMF_SLOT_BLOCK; j++) {
            const __m512 uk = _mm512_set1_ps(u[(size_t)j * Kp + k]);
            for (int t = 0; t < T; t++) acc[t][j] = _mm512_fmadd_ps(uk, hk[t], acc[t][j]);
        }
    }
    for (int t = 0; t < T; t++) {
        for (int j = 0; j < BNMF_SLOT_BLOCK; j++) {
            finish_tile(plan, ws, j0 + j, tile + t, acc[t][j], update, &costs[2 * (j0 + j)], &costs[2 * (j0 + j) + 1], kind);
        }
    }
}

/// `model` for one divergence (`kind` a constant in each copy).
AVX512 static INLINE void model_of_kind(const bnmf_plan *plan, bnmf_workspace *ws, int slots, int update, const bnmf_kind kind) {
    // Two double vectors of lane-wise cost sums per slot (added tile by tile, in order).
    __m512d c[2 * BNMF_MAX_GROUP];
    for (int j = 0; j < 2 * slots; j++) c[j] = _mm512_setzero_pd();
    int tile = 0;
    for (; tile + 2 <= plan->tiles; tile += 2) {
        for (int j0 = 0; j0 < slots; j0 += BNMF_SLOT_BLOCK) model_block(plan, ws, tile, j0, 2, update, c, kind);
    }
    if (tile < plan->tiles) {
        for (int j0 = 0; j0 < slots; j0 += BNMF_SLOT_BLOCK) model_block(plan, ws, tile, j0, 1, update, c, kind);
    }
    for (int j = 0; j < slots; j++) ws->cost[j] = ws->constant[j] + _mm512_reduce_add_pd(_mm512_add_pd(c[2 * j], c[2 * j + 1]));
}

AVX512 static void model(const bnmf_plan *plan, bnmf_workspace *ws, int slots, int update) {
    switch (plan->kind) {
    case BNMF_KL: model_of_kind(plan, ws, slots, update, BNMF_KL); break;
    case BNMF_HALF: model_of_kind(plan, ws, slots, update, BNMF_HALF); break;
    default: model_of_kind(plan, ws, slots, update, BNMF_IS); break;
    }
}

/// Σ_f over bins [f0, f1) of H[f, kv·16 …] w_f for slots j0, j0 + 1 and `V` vectors of components
/// from `kv`, continuing the sums in ws->num / ws->den (starting from 0 when f0 = 0).
AVX512 static INLINE void sums_block(const bnmf_plan *plan, bnmf_workspace *ws, int f0, int f1, int j0, int kv,
                                     const int V, const int withDen) {
    const size_t Kp = (size_t)plan->kpad, Fp = plan->fpad;
    __m512 n[2][4], d[2][4];
    for (int j = 0; j < 2; j++) {
        for (int i = 0; i < V; i++) {
            const size_t at = (size_t)(j0 + j) * Kp + (size_t)(kv + i) * L;
            n[j][i] = f0 == 0 ? _mm512_setzero_ps() : _mm512_load_ps(ws->num + at);
            if (withDen) d[j][i] = f0 == 0 ? _mm512_setzero_ps() : _mm512_load_ps(ws->den + at);
        }
    }
    const float *wa0 = ws->wa + (size_t)j0 * Fp, *wa1 = wa0 + Fp;
    const float *wb0 = ws->wb + (size_t)j0 * Fp, *wb1 = wb0 + Fp;
    for (int f = f0; f < f1; f++) {
        const float *h = plan->hrow + (size_t)f * Kp + (size_t)kv * L;
        __m512 hv[4];
        for (int i = 0; i < V; i++) hv[i] = _mm512_load_ps(h + (size_t)i * L);
        const __m512 a0 = _mm512_set1_ps(wa0[f]), a1 = _mm512_set1_ps(wa1[f]);
        for (int i = 0; i < V; i++) {
            n[0][i] = _mm512_fmadd_ps(hv[i], a0, n[0][i]);
            n[1][i] = _mm512_fmadd_ps(hv[i], a1, n[1][i]);
        }
        if (withDen) {
            const __m512 b0 = _mm512_set1_ps(wb0[f]), b1 = _mm512_set1_ps(wb1[f]);
            for (int i = 0; i < V; i++) {
                d[0][i] = _mm512_fmadd_ps(hv[i], b0, d[0][i]);
                d[1][i] = _mm512_fmadd_ps(hv[i], b1, d[1][i]);
            }
        }
    }
    for (int j = 0; j < 2; j++) {
        for (int i = 0; i < V; i++) {
            const size_t at = (size_t)(j0 + j) * Kp + (size_t)(kv + i) * L;
            _mm512_store_ps(ws->num + at, n[j][i]);
            if (withDen) _mm512_store_ps(ws->den + at, d[j][i]);
        }
    }
}

AVX512 static INLINE void sums_chunk(const bnmf_plan *plan, bnmf_workspace *ws, int f0, int f1, int j0, int kv, int V, const int withDen) {
    switch (V) {
    case 1: sums_block(plan, ws, f0, f1, j0, kv, 1, withDen); break;
    case 2: sums_block(plan, ws, f0, f1, j0, kv, 2, withDen); break;
    case 3: sums_block(plan, ws, f0, f1, j0, kv, 3, withDen); break;
    default: sums_block(plan, ws, f0, f1, j0, kv, 4, withDen); break;
    }
}

AVX512 static void sums(const bnmf_plan *plan, bnmf_workspace *ws, int slots) {
    const int F = plan->bins, vectors = plan->kpad / L;
    // Component vectors in chunks of at most 4, as even as possible (6 → 3 + 3).
    const int chunks = (vectors + 3) / 4;
    for (int f0 = 0; f0 < F; f0 += SUM_BLOCK) {
        const int f1 = F - f0 < SUM_BLOCK ? F : f0 + SUM_BLOCK;
        for (int j0 = 0; j0 < slots; j0 += 2) {
            int kv = 0;
            for (int c = 0; c < chunks; c++) {
                const int V = (vectors - kv) / (chunks - c) + ((vectors - kv) % (chunks - c) != 0);
                if (plan->kind == BNMF_KL) sums_chunk(plan, ws, f0, f1, j0, kv, V, 0);
                else sums_chunk(plan, ws, f0, f1, j0, kv, V, 1);
                kv += V;
            }
        }
    }
    if (F == 0) {
        memset(ws->num, 0, sizeof(float) * (size_t)slots * plan->kpad);
        memset(ws->den, 0, sizeof(float) * (size_t)slots * plan->kpad);
    }
}

const bnmf_kernels bnmf_avx512_kernels = { prepare, model, sums };

#endif
