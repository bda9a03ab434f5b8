// AVX-512 loops of the shared-phase shortcut's once-per-frame passes (cnmf_shared_phase.c: the
// statistics N = Hᵀ|Y| and ‖Y‖², and the finish: model and mixture phases) and of the activation
// update (cnmf_update_activations), for both layouts. Each does the portable code's operations in
// the same order, eight or sixteen lanes at a time: every multiplication, addition, division and
// square root rounded on its own (nothing fused), each sum over bins or components in the
// portable order. So the results are the same bits, which ComplexNMFSharedPhaseTests checks.
#include "cnmf_avx512_common.h"

#if defined(__x86_64__)

#include <string.h>

/// Re and Im of 16 consecutive bins (interleaved in `spectrum`; zero beyond `count` bins).
AVX512 static inline void load_bins(const float *spectrum, int count, __m512 *re, __m512 *im) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const __mmask16 first = count >= 8 ? 0xffff : (__mmask16)((1u << (2 * count)) - 1);
    const __mmask16 second = count >= 16 ? 0xffff : count > 8 ? (__mmask16)((1u << (2 * count - 16)) - 1) : 0;
    const __m512 a = _mm512_maskz_loadu_ps(first, spectrum), b = _mm512_maskz_loadu_ps(second, spectrum + L);
    *re = _mm512_permutex2var_ps(a, even, b);
    *im = _mm512_permutex2var_ps(a, odd, b);
}

/// The 16 floats' lower and upper 8 as doubles.
AVX512 static inline __m512d lower(__m512 x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
AVX512 static inline __m512d upper(__m512 x) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)); }

/// cnmf_mixture_phase of 8 bins: |Y| = √(re² + im²) in double (not fused), c = re/|Y| and
/// s = im/|Y| rounded to float, 1 and 0 where |Y| = 0.
AVX512 static inline void mixture_phase8(__m512d re, __m512d im, __m256 *c, __m256 *s) {
    const __m512d magnitude = _mm512_sqrt_pd(_mm512_add_pd(_mm512_mul_pd(re, re), _mm512_mul_pd(im, im)));
    const __mmask8 positive = _mm512_cmp_pd_mask(magnitude, _mm512_setzero_pd(), _CMP_GT_OQ);
    *c = _mm256_mask_blend_ps(positive, _mm256_set1_ps(1.0f), _mm512_cvtpd_ps(_mm512_div_pd(re, magnitude)));
    *s = _mm256_mask_blend_ps(positive, _mm256_setzero_ps(), _mm512_cvtpd_ps(_mm512_div_pd(im, magnitude)));
}

/// cnmf_mixture_phase of 16 bins.
AVX512 static inline void mixture_phase16(__m512 re, __m512 im, __m512 *c, __m512 *s) {
    __m256 c0, s0, c1, s1;
    mixture_phase8(lower(re), lower(im), &c0, &s0);
    mixture_phase8(upper(re), upper(im), &c1, &s1);
    *c = _mm512_insertf32x8(_mm512_castps256_ps512(c0), c1, 1);
    *s = _mm512_insertf32x8(_mm512_castps256_ps512(s0), s1, 1);
}

/// Interleaves 16 bins' (a, b) into `out` (2 · count floats).
AVX512 static inline void store_bins(float *out, int count, __m512 a, __m512 b) {
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high = _mm512_add_epi32(low, _mm512_set1_epi32(8));
    const __mmask16 first = count >= 8 ? 0xffff : (__mmask16)((1u << (2 * count)) - 1);
    const __mmask16 second = count >= 16 ? 0xffff : count > 8 ? (__mmask16)((1u << (2 * count - 16)) - 1) : 0;
    _mm512_mask_storeu_ps(out, first, _mm512_permutex2var_ps(a, low, b));
    _mm512_mask_storeu_ps(out + L, second, _mm512_permutex2var_ps(a, high, b));
}

/// cnmf_shared_phase_statistics: per bin |Y|² = re² + im² in double, added to ‖Y‖² bin by bin
/// (one chain, as the portable loop); then per component the 16 lanes of Σ_tiles H |Y| (tiles in
/// order, each lane a chain from zero), the lanes added in order. ws->bins holds |Y| of the frame.
AVX512 double cnmf_avx512_shared_statistics(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator) {
    const int F = plan->bins, K = plan->components, tiles = plan->tiles;
    double *magnitude = ws->bins;
    double energy = 0;
    for (int tile = 0; tile < tiles; tile++) {
        __m512 re, im;
        load_bins(spectrum + (size_t)2 * L * tile, F - L * tile, &re, &im);
        _Alignas(64) double power[L];
        const __m512d lo = _mm512_add_pd(_mm512_mul_pd(lower(re), lower(re)), _mm512_mul_pd(lower(im), lower(im)));
        const __m512d hi = _mm512_add_pd(_mm512_mul_pd(upper(re), upper(re)), _mm512_mul_pd(upper(im), upper(im)));
        _mm512_store_pd(power, lo);
        _mm512_store_pd(power + 8, hi);
        for (int j = 0; j < L; j++) energy += power[j];
        _mm512_store_pd(magnitude + (size_t)L * tile, _mm512_sqrt_pd(lo));
        _mm512_store_pd(magnitude + (size_t)L * tile + 8, _mm512_sqrt_pd(hi));
    }
    // Components four at a time: eight independent chains of additions instead of two.
    for (int k0 = 0; k0 < K; k0 += 4) {
        const int n = K - k0 < 4 ? K - k0 : 4;
        __m512d a[4], b[4];
        for (int i = 0; i < 4; i++) a[i] = b[i] = _mm512_setzero_pd();
        for (int tile = 0; tile < tiles; tile++) {
            const __m512d lo = _mm512_load_pd(magnitude + (size_t)L * tile), hi = _mm512_load_pd(magnitude + (size_t)L * tile + 8);
            const float *h = plan->htile + ((size_t)tile * K + k0) * L;
            for (int i = 0; i < n; i++) {
                const __m512 x = _mm512_load_ps(h + (size_t)i * L);
                a[i] = _mm512_add_pd(a[i], _mm512_mul_pd(lower(x), lo));
                b[i] = _mm512_add_pd(b[i], _mm512_mul_pd(upper(x), hi));
            }
        }
        for (int i = 0; i < n; i++) {
            _Alignas(64) double lanes[L];
            _mm512_store_pd(lanes, a[i]);
            _mm512_store_pd(lanes + 8, b[i]);
            double sum = 0;
            for (int j = 0; j < L; j++) sum += lanes[j];
            numerator[k0 + i] = sum;
        }
    }
    return energy;
}

/// cnmf_shared_phase_finish: S = Σ_k H U per bin in float (k in order, separate multiply and
/// add), F = S · Y/|Y|, and the mixture phases, 16 bins at a time.
AVX512 void cnmf_avx512_shared_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases) {
    const int F = plan->bins, K = plan->components;
    for (int k = 0; k < K; k++) {
        if (activations[k] <= plan->floor) activations[k] = 0;
    }
    if (!model && !phases) return;
    // Tiles four at a time: four independent chains of additions over the components.
    for (int tile0 = 0; tile0 < plan->tiles; tile0 += 4) {
        const int n = plan->tiles - tile0 < 4 ? plan->tiles - tile0 : 4;
        __m512 sum[4];
        for (int i = 0; i < 4; i++) sum[i] = _mm512_setzero_ps();
        if (model) {
            for (int k = 0; k < K; k++) {
                const __m512 u = _mm512_set1_ps(activations[k]);
                for (int i = 0; i < n; i++) {
                    sum[i] = _mm512_add_ps(sum[i], _mm512_mul_ps(_mm512_load_ps(plan->htile + ((size_t)(tile0 + i) * K + k) * L), u));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            const int tile = tile0 + i, count = F - L * tile;
            __m512 re, im, c, s;
            load_bins(spectrum + (size_t)2 * L * tile, count, &re, &im);
            mixture_phase16(re, im, &c, &s);
            if (model) store_bins(model + (size_t)2 * L * tile, count, _mm512_mul_ps(sum[i], c), _mm512_mul_ps(sum[i], s));
            if (phases) store_bins(phases + (size_t)2 * L * tile, count, c, s);
        }
    }
}

/// cnmf_update_activations, 8 components at a time: (old · N) / (D + λp U^(p−1)) in double,
/// 0 where the denominator is not positive, rounded to float, at least the floor.
AVX512 void cnmf_avx512_update_activations(const cnmf_plan *plan, cnmf_workspace *ws) {
    const int K = plan->components;
    const __m512d lp = _mm512_set1_pd(plan->lambda * plan->sparsity);
    const __m256 floor = _mm256_set1_ps(plan->floor);
    for (int k = 0; k < K; k += 8) {
        const __mmask8 m = K - k >= 8 ? 0xff : (__mmask8)((1u << (K - k)) - 1);
        const __m512d old = _mm512_maskz_loadu_pd(m, ws->activation + k);
        const __m512d denominator = _mm512_add_pd(_mm512_maskz_loadu_pd(m, ws->denominator + k), _mm512_mul_pd(lp, _mm512_maskz_loadu_pd(m, ws->power + k)));
        const __mmask8 positive = _mm512_cmp_pd_mask(denominator, _mm512_setzero_pd(), _CMP_GT_OQ);
        const __m512d updated = _mm512_maskz_div_pd(positive, _mm512_mul_pd(old, _mm512_maskz_loadu_pd(m, ws->numerator + k)), denominator);
        // max returns its second operand when the first is NaN: the floor, as value > floor ? value : floor.
        _mm256_mask_storeu_ps(ws->u + k, m, _mm256_max_ps(_mm512_cvtpd_ps(updated), floor));
    }
}

#endif
