// AVX-512 (F, DQ, VL, BW) loops of the Complex NMF kernel below CNMF_COMPONENT_MAJOR_FROM
// components (cnmf_avx512_component_major.c serves more): one 16-lane vector per (component,
// tile of 16 bins), no shuffles inside the sweeps; 1/|z| from rsqrt14 refined by one Newton step
// (relative error ≈ 1e-7, like a float division). Also HᵀH, HᵀH·u and U^(p−1) for both layouts.
// Compiled for AVX-512 through function attributes and chosen at run time, so the package needs
// no compiler flags.
#include "cnmf_avx512_common.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

/// In-register transpose of 16 × 16 floats: r[i][j] ← r[j][i].
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    // Rows 4a+b now hold, per 128-bit block c, elements (4c..4c+3) of column b of rows 4c'..;
    // two 128-bit-block shuffles finish the transpose.
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
}

/// Full tiles, 8 components at a time: 16 bins × (8 components × re, im) is a 16 × 16 transpose.
AVX512 static void tile_in(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, const float *phases) {
    const int F = plan->bins, K = plan->components, tiles = plan->tiles;
    const int fullTiles = F / L, fullGroups = K / 8;
    cnmf_spectrum_in(plan, ws, spectrum);
    if (tiles * L > F) memset(ws->ptile + (size_t)(tiles - 1) * K * 2 * L, 0, sizeof(float) * (size_t)K * 2 * L);
    for (int tile = 0; tile < fullTiles; tile++) {
        float *p = ws->ptile + (size_t)tile * K * 2 * L;
        const float *q = phases + (size_t)2 * K * L * tile;
        for (int g = 0; g < fullGroups; g++) {
            __m512 r[16];
            for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(q + (size_t)2 * K * j + 16 * g);
            transpose16(r);
            for (int i = 0; i < 16; i++) _mm512_store_ps(p + (size_t)(8 * g + i / 2) * 2 * L + (i % 2) * L, r[i]);
        }
    }
    // Remaining components of full tiles, and the last partial tile.
    for (int f = 0; f < F; f++) {
        const int tile = f / L, lane = f % L;
        float *p = ws->ptile + (size_t)tile * K * 2 * L + lane;
        const float *q = phases + (size_t)2 * K * f;
        for (int k = tile < fullTiles ? 8 * fullGroups : 0; k < K; k++) {
            p[(size_t)k * 2 * L] = q[2 * k];
            p[(size_t)k * 2 * L + L] = q[2 * k + 1];
        }
    }
}

/// Each full tile's 16 bins are one contiguous run of the frame's phases; they are transposed into
/// an aligned staging block and copied out with memcpy, whose stores are aligned whatever the
/// alignment of the caller's array (unaligned 64-byte stores would split cache lines).
AVX512 static void tile_out(const cnmf_plan *plan, const cnmf_workspace *ws, float *phases) {
    const int F = plan->bins, K = plan->components;
    const int fullTiles = F / L, fullGroups = K / 8;
    float *staging = ws->staging;
    for (int tile = 0; tile < fullTiles; tile++) {
        const float *p = ws->ptile + (size_t)tile * K * 2 * L;
        for (int g = 0; g < fullGroups; g++) {
            __m512 r[16];
            for (int i = 0; i < 16; i++) r[i] = _mm512_load_ps(p + (size_t)(8 * g + i / 2) * 2 * L + (i % 2) * L);
            transpose16(r);
            for (int j = 0; j < 16; j++) _mm512_storeu_ps(staging + (size_t)2 * K * j + 16 * g, r[j]);
        }
        for (int j = 0; j < L; j++) {
            for (int k = 8 * fullGroups; k < K; k++) {
                staging[(size_t)2 * K * j + 2 * k] = p[(size_t)k * 2 * L + j];
                staging[(size_t)2 * K * j + 2 * k + 1] = p[(size_t)k * 2 * L + L + j];
            }
        }
        memcpy(phases + (size_t)2 * K * L * tile, staging, sizeof(float) * 2 * (size_t)K * L);
    }
    for (int f = fullTiles * L; f < F; f++) cnmf_tile_out_bin(plan, ws, f, phases);
}

/// Σ of 16 float lanes in double, in a fixed order.
AVX512 static inline double sum_lanes(__m512 v) {
    const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    const __m512d hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}

AVX512 static inline tile_sums tile_residual(const cnmf_plan *plan, const cnmf_workspace *ws, int tile) {
    const int K = plan->components;
    const float *h = plan->htile + (size_t)tile * K * L, *p = ws->ptile + (size_t)tile * K * 2 * L;
    tile_sums a = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
    for (int k = 0; k < K; k++) a = add_component(a, h + (size_t)k * L, p + (size_t)k * 2 * L, _mm512_set1_ps(ws->u[k]));
    return a;
}

/// R = Y − F of a tile; adds Σ|R|² to the cost (lane-wise, double); stores F when asked.
AVX512 static inline void finish_residual(const cnmf_workspace *ws, int tile, tile_sums a, int model,
                                          __m512 *rr, __m512 *ri, __m512d *costLo, __m512d *costHi) {
    const float *y = ws->ytile + (size_t)tile * 2 * L;
    *rr = _mm512_sub_ps(_mm512_load_ps(y), a.fr);
    *ri = _mm512_sub_ps(_mm512_load_ps(y + L), a.fi);
    // |R|² in double: no overflow or underflow of the squares.
    const __m512d rrLo = _mm512_cvtps_pd(_mm512_castps512_ps256(*rr)), rrHi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(*rr, 1));
    const __m512d riLo = _mm512_cvtps_pd(_mm512_castps512_ps256(*ri)), riHi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(*ri, 1));
    *costLo = _mm512_fmadd_pd(riLo, riLo, _mm512_fmadd_pd(rrLo, rrLo, *costLo));
    *costHi = _mm512_fmadd_pd(riHi, riHi, _mm512_fmadd_pd(rrHi, rrHi, *costHi));
    if (model) {
        _mm512_store_ps(ws->mtile + (size_t)tile * 2 * L, a.fr);
        _mm512_store_ps(ws->mtile + (size_t)tile * 2 * L + L, a.fi);
    }
}

/// One sweep over the bins of a frame, per tile of 16 bins (lanes) with U the current iterate:
///
///     S_f = Σ_k H[f,k] U_k,   F_f = Σ_k H[f,k] U_k P_kf,   R_f = Y_f − F_f,   cost += |R_f|²
///     z_kf = S_f P_kf + R_f,  P_kf ← z_kf / |z_kf|  (where |z_kf| > 0),  N_k += H[f,k] |z_kf|
///
/// (the second line only with `update`; U is then updated from N by the caller). Tiles are
/// taken in order, or from the last back to the first with `reverse` (see cnmf_frame_run). The
/// update of each tile is interleaved with the sums of the next (software pipelining: the loads
/// of the next tile overlap the arithmetic of this one). Every sum runs over k in order in both
/// modes, and the tiles in the same order, so a residual-only sweep gives bit-identical costs.
AVX512 static double sweep(const cnmf_plan *plan, cnmf_workspace *ws, int update, int model, int reverse) {
    const int K = plan->components, tiles = plan->tiles;
    const int first = reverse ? tiles - 1 : 0, step = reverse ? -1 : 1;
    const float *u = ws->u;
    float *numerator = ws->numerator_lanes;
    __m512d costLo = _mm512_setzero_pd(), costHi = _mm512_setzero_pd();
    __m512 rr, ri;
    if (!update) {
        int n = 0;
        for (; n + 1 < tiles; n += 2) {
            // Two tiles at a time: two independent chains of additions.
            const int t0 = first + step * n, t1 = t0 + step;
            const float *h0 = plan->htile + (size_t)t0 * K * L, *p0 = ws->ptile + (size_t)t0 * K * 2 * L;
            const float *h1 = plan->htile + (size_t)t1 * K * L, *p1 = ws->ptile + (size_t)t1 * K * 2 * L;
            tile_sums a = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() }, b = a;
            for (int k = 0; k < K; k++) {
                const __m512 uk = _mm512_set1_ps(u[k]);
                a = add_component(a, h0 + (size_t)k * L, p0 + (size_t)k * 2 * L, uk);
                b = add_component(b, h1 + (size_t)k * L, p1 + (size_t)k * 2 * L, uk);
            }
            finish_residual(ws, t0, a, model, &rr, &ri, &costLo, &costHi);
            finish_residual(ws, t1, b, model, &rr, &ri, &costLo, &costHi);
        }
        if (n < tiles) {
            const int t = first + step * n;
            finish_residual(ws, t, tile_residual(plan, ws, t), model, &rr, &ri, &costLo, &costHi);
        }
        return _mm512_reduce_add_pd(_mm512_add_pd(costLo, costHi));
    }
    memset(numerator, 0, sizeof(float) * (size_t)K * L);
    tile_sums next = tiles > 0 ? tile_residual(plan, ws, first) : (tile_sums){ _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
    for (int n = 0; n < tiles; n++) {
        const int tile = first + step * n;
        __m512 s = next.s;
        finish_residual(ws, tile, next, model, &rr, &ri, &costLo, &costHi);
        const __m512 scale = normalise(&s, &rr, &ri);
        const float *h = plan->htile + (size_t)tile * K * L;
        float *p = ws->ptile + (size_t)tile * K * 2 * L;
        if (n + 1 < tiles) {
            const float *h1 = plan->htile + (size_t)(tile + step) * K * L, *p1 = ws->ptile + (size_t)(tile + step) * K * 2 * L;
            next = (tile_sums){ _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
            for (int k = 0; k < K; k++) {
                update_component(p + (size_t)k * 2 * L, h + (size_t)k * L, numerator + (size_t)k * L, s, rr, ri, scale);
                next = add_component(next, h1 + (size_t)k * L, p1 + (size_t)k * 2 * L, _mm512_set1_ps(u[k]));
            }
        } else {
            for (int k = 0; k < K; k++) update_component(p + (size_t)k * 2 * L, h + (size_t)k * L, numerator + (size_t)k * L, s, rr, ri, scale);
        }
    }
    for (int k = 0; k < K; k++) ws->numerator[k] = sum_lanes(_mm512_load_ps(numerator + (size_t)k * L));
    return _mm512_reduce_add_pd(_mm512_add_pd(costLo, costHi));
}

/// Four output vectors at a time, so four independent chains hide the FMA latency; every output
/// is summed over b in order.
AVX512 void cnmf_avx512_gram_times(const cnmf_plan *plan, const double *in, double *out) {
    const int K = plan->components, stride = plan->gram_stride;
    for (int a = 0; a < K; a += 32) {
        __mmask8 m[4];
        for (int i = 0; i < 4; i++) {
            const int rest = K - a - 8 * i;
            m[i] = rest >= 8 ? 0xff : rest > 0 ? (__mmask8)((1u << rest) - 1) : 0;
        }
        __m512d d0 = _mm512_setzero_pd(), d1 = d0, d2 = d0, d3 = d0;
        for (int b = 0; b < K; b++) {
            const double *g = plan->gram + (size_t)b * stride + a;  // HᵀH is symmetric
            const __m512d x = _mm512_set1_pd(in[b]);
            d0 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[0], g), x, d0);
            d1 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[1], g + 8), x, d1);
            d2 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[2], g + 16), x, d2);
            d3 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m[3], g + 24), x, d3);
        }
        _mm512_mask_storeu_pd(out + a, m[0], d0);
        _mm512_mask_storeu_pd(out + a + 8, m[1], d1);
        _mm512_mask_storeu_pd(out + a + 16, m[2], d2);
        _mm512_mask_storeu_pd(out + a + 24, m[3], d3);
    }
}

/// Frames per register block of gram_times_frames: with 3 vectors of components, 8 frames take
/// 24 accumulators, 3 for the piece of HᵀH and 1 for the broadcast, 28 of the 32 registers.
#define GRAM_FRAMES 8

/// out_j[a … a + 23] = Σ_b HᵀH[b, a …] in_j[b] for the `J` (≤ GRAM_FRAMES) vectors j: per entry
/// the chain of gram_times (fused multiply-adds from zero, b in order), so the same bits; each
/// 192-byte piece of a row of HᵀH feeds all J vectors, so HᵀH (8·K² bytes, from L2 when K is
/// large) is read once per GRAM_FRAMES frames.
AVX512 static inline void gram_times_block(const cnmf_plan *plan, const double *in, size_t stride, double *out, int a, const int J) {
    const int K = plan->components, gs = plan->gram_stride;
    __mmask8 m[3];
    for (int i = 0; i < 3; i++) {
        const int rest = K - a - 8 * i;
        m[i] = rest >= 8 ? 0xff : rest > 0 ? (__mmask8)((1u << rest) - 1) : 0;
    }
    __m512d acc[GRAM_FRAMES][3];
    for (int j = 0; j < J; j++) for (int i = 0; i < 3; i++) acc[j][i] = _mm512_setzero_pd();
    for (int b = 0; b < K; b++) {
        const double *g = plan->gram + (size_t)b * gs + a;  // HᵀH is symmetric
        const __m512d g0 = _mm512_maskz_loadu_pd(m[0], g), g1 = _mm512_maskz_loadu_pd(m[1], g + 8), g2 = _mm512_maskz_loadu_pd(m[2], g + 16);
        // Unrolled by order, so that the accumulators stay in registers (a rolled loop keeps
        // them on the stack).
#pragma clang loop unroll(full)
        for (int j = 0; j < J; j++) {
            const __m512d x = _mm512_set1_pd(in[(size_t)j * stride + b]);
            acc[j][0] = _mm512_fmadd_pd(g0, x, acc[j][0]);
            acc[j][1] = _mm512_fmadd_pd(g1, x, acc[j][1]);
            acc[j][2] = _mm512_fmadd_pd(g2, x, acc[j][2]);
        }
    }
    for (int j = 0; j < J; j++) {
        for (int i = 0; i < 3; i++) _mm512_mask_storeu_pd(out + (size_t)j * stride + a + 8 * i, m[i], acc[j][i]);
    }
}

#define GRAM_TIMES_CASE(J) case J: gram_times_block(plan, x, stride, y, a, J); break;

AVX512 void cnmf_avx512_gram_times_frames(const cnmf_plan *plan, int count, const double *in, size_t stride, double *out) {
    const int K = plan->components;
    for (int j0 = 0; j0 < count; j0 += GRAM_FRAMES) {
        const int J = count - j0 < GRAM_FRAMES ? count - j0 : GRAM_FRAMES;
        const double *x = in + (size_t)j0 * stride;
        double *y = out + (size_t)j0 * stride;
        for (int a = 0; a < K; a += 24) {
            switch (J) {
            GRAM_TIMES_CASE(1) GRAM_TIMES_CASE(2) GRAM_TIMES_CASE(3) GRAM_TIMES_CASE(4)
            GRAM_TIMES_CASE(5) GRAM_TIMES_CASE(6) GRAM_TIMES_CASE(7)
            default: gram_times_block(plan, x, stride, y, a, GRAM_FRAMES); break;
            }
        }
    }
}

/// HᵀH in register blocks of 8 rows × 16 columns, the bins in chunks whose transposed basis
/// (bins × K, double) stays in L2; every entry starts at zero and adds its products bin by bin in
/// order (products of floats are exact in double, so the fused sums round exactly as the portable
/// loop's separate ones). Blocks on the diagonal also fill some lower-triangle entries; the same
/// sums, overwritten by the mirror at the end.
AVX512 int cnmf_avx512_gram(const float *basis, int bins, int components, int stride, double *g) {
    const int K = components, columns = (K + 15) / 16 * 16;
    const int chunk = 128;  // bins per chunk: 128 · columns · 8 bytes of transposed basis
    double *t = K > 0 ? aligned_alloc(64, sizeof(double) * (size_t)chunk * columns) : NULL;  // a multiple of 64
    if (K > 0 && !t) return 0;
    memset(g, 0, sizeof(double) * (size_t)K * stride);
    for (int f0 = 0; f0 < bins; f0 += chunk) {
        const int n = bins - f0 < chunk ? bins - f0 : chunk;
        for (int j = 0; j < n; j++) memset(t + (size_t)j * columns + K, 0, sizeof(double) * (size_t)(columns - K));
        for (int k = 0; k < K; k++) {
            const float *h = basis + (size_t)k * bins + f0;
            for (int j = 0; j < n; j++) t[(size_t)j * columns + k] = h[j];
        }
        for (int a = 0; a < K; a += 8) {
            const int rows = K - a < 8 ? K - a : 8;
            for (int b = a / 16 * 16; b < K; b += 16) {
                const int rest = K - b;
                const __mmask8 m0 = rest >= 8 ? 0xff : (__mmask8)((1u << rest) - 1);
                const __mmask8 m1 = rest >= 16 ? 0xff : rest > 8 ? (__mmask8)((1u << (rest - 8)) - 1) : 0;
                __m512d lo[8], hi[8];
                for (int i = 0; i < 8; i++) {
                    lo[i] = i < rows ? _mm512_maskz_loadu_pd(m0, g + (size_t)(a + i) * stride + b) : _mm512_setzero_pd();
                    hi[i] = i < rows ? _mm512_maskz_loadu_pd(m1, g + (size_t)(a + i) * stride + b + 8) : _mm512_setzero_pd();
                }
                for (int j = 0; j < n; j++) {
                    const double *row = t + (size_t)j * columns;
                    const __m512d x0 = _mm512_load_pd(row + b), x1 = _mm512_load_pd(row + b + 8);
                    for (int i = 0; i < 8; i++) {
                        const __m512d y = _mm512_set1_pd(row[a + i]);  // (zero padding past K)
                        lo[i] = _mm512_fmadd_pd(y, x0, lo[i]);
                        hi[i] = _mm512_fmadd_pd(y, x1, hi[i]);
                    }
                }
                for (int i = 0; i < rows; i++) {
                    _mm512_mask_storeu_pd(g + (size_t)(a + i) * stride + b, m0, lo[i]);
                    _mm512_mask_storeu_pd(g + (size_t)(a + i) * stride + b + 8, m1, hi[i]);
                }
            }
        }
    }
    free(t);
    for (int a = 0; a < K; a++) {
        for (int b = 0; b < a; b++) g[(size_t)a * stride + b] = g[(size_t)b * stride + a];
    }
    return 1;
}

/// x^e for x > 0 (normal), relative error below 2e-11 (the log series' truncation;
/// ComplexNMFSharedPhaseTests measured 1.6e-11 at worst): x = 2^n m with m in [√½, √2),
/// ln m = 2 atanh((m − 1)/(m + 1)) (series to s¹¹), then exp(e ln x) = 2^j exp(r), |r| ≤ ln2/2,
/// exp(r) by its Taylor series to r¹¹.
AVX512 static inline __m512d power_pd(__m512d x, __m512d e) {
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d n = _mm512_getexp_pd(x);
    __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    const __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951), _CMP_GT_OQ);
    m = _mm512_mask_mul_pd(m, big, m, _mm512_set1_pd(0.5));
    n = _mm512_mask_add_pd(n, big, n, one);
    const __m512d s = _mm512_div_pd(_mm512_sub_pd(m, one), _mm512_add_pd(m, one));
    const __m512d s2 = _mm512_mul_pd(s, s);
    __m512d series = _mm512_set1_pd(1.0 / 11);
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 9));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 7));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 5));
    series = _mm512_fmadd_pd(series, s2, _mm512_set1_pd(1.0 / 3));
    series = _mm512_fmadd_pd(series, s2, one);
    const __m512d lnm = _mm512_mul_pd(_mm512_add_pd(s, s), series);
    const __m512d ln2hi = _mm512_set1_pd(0.6931471803691238), ln2lo = _mm512_set1_pd(1.9082149292705877e-10);
    // y = e ln x = e (n ln2 + ln m), kept as a sum of two parts for the reduction below.
    const __m512d y = _mm512_mul_pd(e, _mm512_fmadd_pd(n, ln2hi, _mm512_fmadd_pd(n, ln2lo, lnm)));
    const __m512d j = _mm512_roundscale_pd(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512d r = _mm512_fnmadd_pd(j, ln2lo, _mm512_fnmadd_pd(j, ln2hi, y));
    __m512d t = _mm512_set1_pd(1.0 / 39916800);
    static const double inverseFactorials[] = { 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
                                                1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0 };
    for (int i = 0; i < 11; i++) t = _mm512_fmadd_pd(t, r, _mm512_set1_pd(inverseFactorials[i]));
    return _mm512_scalef_pd(t, j);
}

AVX512 double cnmf_avx512_powers(const cnmf_plan *plan, cnmf_workspace *ws) {
    const int K = plan->components;
    const __m512d exponent = _mm512_set1_pd(plan->sparsity - 1);
    __m512d penalty = _mm512_setzero_pd();
    for (int k = 0; k < K; k += 8) {
        const __mmask8 m = K - k >= 8 ? 0xff : (__mmask8)((1u << (K - k)) - 1);
        const __m512d u = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, ws->u + k));
        _mm512_mask_storeu_pd(ws->activation + k, m, u);
        if (plan->lambda > 0) {
            const __m512d p = _mm512_maskz_mov_pd(m, power_pd(_mm512_mask_blend_pd(m, _mm512_set1_pd(1.0), u), exponent));
            _mm512_mask_storeu_pd(ws->power + k, m, p);
            penalty = _mm512_fmadd_pd(u, p, penalty);
        } else {
            _mm512_mask_storeu_pd(ws->power + k, m, _mm512_setzero_pd());
        }
    }
    return _mm512_reduce_add_pd(penalty);
}

const cnmf_kernels cnmf_avx512_kernels = {
    tile_in, cnmf_tile_in_mixture, tile_out, sweep, cnmf_avx512_gram, cnmf_avx512_gram_times, cnmf_avx512_gram_times_frames,
    cnmf_avx512_gram_times, cnmf_avx512_powers, cnmf_avx512_update_activations, cnmf_avx512_shared_statistics, cnmf_avx512_shared_finish
};

#endif
