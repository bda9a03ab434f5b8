// AVX-512 loops of the Complex NMF kernel for many components (CNMF_COMPONENT_MAJOR_FROM on):
// one 16-lane vector per (bin, 16 consecutive components),
//
//     plan->hmajor[f][k]               H[f, k]                     (k up to K rounded up to 16)
//     ws->ptile[f][k / 16][0..15 | 16..31]   Re P, Im P of (k, f)
//
// with zero basis and zero phases in the padding components (they contribute exactly nothing).
// A bin's data is 12·K bytes, so the sweep's step (this bin's update, the next bin's sums) stays
// in L1 at any K the tile loops would spill, and each bin's data is read from L2 or memory once
// per iteration. The sums over components end in one horizontal sum per bin (S, F, in a fixed
// order), and the denominator (HᵀH U)_k = Σ_f H[f,k] S_f is summed in the same sweep from the
// S it has, instead of streaming HᵀH (4·K² bytes) once per iteration. Σ_f H|z| and Σ_f H S are
// summed in float over runs of 16 bins (in the sweep's order) and the runs in double.
#include "cnmf_avx512_common.h"

#if defined(__x86_64__)

#include <string.h>

static inline size_t padded(int components) { return ((size_t)components + L - 1) / L * L; }

/// Lane masks of the interleaved (re, im) floats of components 16v … 16v + 15 when only `count`
/// of them exist: the first and the second 16 floats.
static inline __mmask16 first_half(int count) { return count >= 8 ? 0xffff : (__mmask16)((1u << (2 * count)) - 1); }
static inline __mmask16 second_half(int count) {
    return count >= 16 ? 0xffff : count > 8 ? (__mmask16)((1u << (2 * count - 16)) - 1) : 0;
}

/// The frame's interleaved phases [f][k][re, im] into the layout above (a de-interleave per 16).
AVX512 static void component_major_in(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, const float *phases) {
    const int F = plan->bins, K = plan->components, vectors = (int)(padded(K) / L);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    cnmf_spectrum_in(plan, ws, spectrum);
    for (int f = 0; f < F; f++) {
        const float *q = phases + (size_t)2 * K * f;
        float *p = ws->ptile + (size_t)f * vectors * 2 * L;
        for (int v = 0; v < vectors; v++) {
            const int count = K - L * v;
            const __m512 a = _mm512_maskz_loadu_ps(first_half(count), q + 2 * L * v);
            const __m512 b = _mm512_maskz_loadu_ps(second_half(count), q + 2 * L * v + L);
            _mm512_store_ps(p + (size_t)v * 2 * L, _mm512_permutex2var_ps(a, even, b));
            _mm512_store_ps(p + (size_t)v * 2 * L + L, _mm512_permutex2var_ps(a, odd, b));
        }
    }
}

/// The mixture phase Y_f/|Y_f| in every real component of every bin.
AVX512 static void component_major_mixture_in(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum) {
    const int F = plan->bins, K = plan->components, vectors = (int)(padded(K) / L);
    cnmf_spectrum_in(plan, ws, spectrum);
    for (int f = 0; f < F; f++) {
        float c, s;
        cnmf_mixture_phase(spectrum[2 * f], spectrum[2 * f + 1], &c, &s);
        float *p = ws->ptile + (size_t)f * vectors * 2 * L;
        for (int v = 0; v < vectors; v++) {
            const int count = K - L * v;
            const __mmask16 live = count >= L ? 0xffff : (__mmask16)((1u << count) - 1);
            _mm512_store_ps(p + (size_t)v * 2 * L, _mm512_maskz_mov_ps(live, _mm512_set1_ps(c)));
            _mm512_store_ps(p + (size_t)v * 2 * L + L, _mm512_maskz_mov_ps(live, _mm512_set1_ps(s)));
        }
    }
}

AVX512 static void component_major_out(const cnmf_plan *plan, const cnmf_workspace *ws, float *phases) {
    const int F = plan->bins, K = plan->components, vectors = (int)(padded(K) / L);
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high = _mm512_add_epi32(low, _mm512_set1_epi32(8));
    for (int f = 0; f < F; f++) {
        float *q = phases + (size_t)2 * K * f;
        const float *p = ws->ptile + (size_t)f * vectors * 2 * L;
        for (int v = 0; v < vectors; v++) {
            const int count = K - L * v;
            const __m512 re = _mm512_load_ps(p + (size_t)v * 2 * L), im = _mm512_load_ps(p + (size_t)v * 2 * L + L);
            _mm512_mask_storeu_ps(q + 2 * L * v, first_half(count), _mm512_permutex2var_ps(re, low, im));
            _mm512_mask_storeu_ps(q + 2 * L * v + L, second_half(count), _mm512_permutex2var_ps(re, high, im));
        }
    }
}

/// S, F of one bin over all its component vectors, lane-wise.
AVX512 static inline tile_sums bin_sums(const float *h, const float *p, const float *u, int vectors) {
    tile_sums a = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
    for (int v = 0; v < vectors; v++) a = add_component(a, h + (size_t)v * L, p + (size_t)v * 2 * L, _mm512_load_ps(u + (size_t)v * L));
    return a;
}

/// The horizontal sums of a bin; R = Y − F; |R|² (double) into the cost; F into ws->mtile.
AVX512 static inline void finish_bin(cnmf_workspace *ws, int f, tile_sums a, int model, float *s, float *rr, float *ri, double *cost) {
    const float *y = ws->ytile + (size_t)(f / L) * 2 * L + f % L;
    const float fr = _mm512_reduce_add_ps(a.fr), fi = _mm512_reduce_add_ps(a.fi);
    *s = _mm512_reduce_add_ps(a.s);
    *rr = y[0] - fr;
    *ri = y[L] - fi;
    *cost += (double)*rr * *rr + (double)*ri * *ri;
    if (model) {
        ws->mtile[(size_t)(f / L) * 2 * L + f % L] = fr;
        ws->mtile[(size_t)(f / L) * 2 * L + L + f % L] = fi;
    }
}

/// One component vector of a bin: the update of update_component (Σ H|z| into n), and H S into d
/// (S unscaled: the bin's total) for (HᵀH U).
AVX512 static inline void update_and_sum(float *p, const float *h, float *n, float *d, __m512 s, __m512 rr, __m512 ri, __m512 scale,
                                         __m512 total) {
    update_component(p, h, n, s, rr, ri, scale);
    _mm512_store_ps(d, _mm512_fmadd_ps(_mm512_load_ps(h), total, _mm512_load_ps(d)));
}

/// The sweep of cnmf_kernels (same formulas, see cnmf_avx512.c), bin by bin in the sweep's order;
/// the update of each bin is interleaved with the sums of the bin after next.
AVX512 static double component_major_sweep(const cnmf_plan *plan, cnmf_workspace *ws, int update, int model, int reverse) {
    const int F = plan->bins, K = plan->components, Kp = (int)padded(K), vectors = Kp / L;
    const int first = reverse ? F - 1 : 0, step = reverse ? -1 : 1;
    const float *u = ws->u, *hmajor = plan->hmajor;
    float *phases = ws->ptile;
    double cost = 0;
    float s, rr, ri;
    if (!update) {
        for (int n = 0; n < F; n++) {
            const int f = first + step * n;
            finish_bin(ws, f, bin_sums(hmajor + (size_t)f * Kp, phases + (size_t)f * Kp * 2, u, vectors), model, &s, &rr, &ri, &cost);
        }
        return cost;
    }
    float *blockNumerator = ws->block_sums, *blockDenominator = ws->block_sums + Kp;
    memset(ws->block_sums, 0, sizeof(float) * 2 * (size_t)Kp);
    for (int k = 0; k < Kp; k++) ws->numerator[k] = ws->denominator[k] = 0;
    // Two bins ahead: while bin n is updated, the sums of bin n + 2 are formed, and the
    // horizontal sums of bin n + 1 (ready since the last step) are taken before the loop, so
    // their latency overlaps bin n's update instead of stalling the step.
    const tile_sums zero = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
    if (F > 0) finish_bin(ws, first, bin_sums(hmajor + (size_t)first * Kp, phases + (size_t)first * Kp * 2, u, vectors), model, &s, &rr, &ri, &cost);
    tile_sums next = F > 1 ? bin_sums(hmajor + (size_t)(first + step) * Kp, phases + (size_t)(first + step) * Kp * 2, u, vectors) : zero;
    for (int n = 0; n < F; n++) {
        const int f = first + step * n;
        const __m512 total = _mm512_set1_ps(s);
        __m512 sv = total, rv = _mm512_set1_ps(rr), iv = _mm512_set1_ps(ri);
        const __m512 scale = normalise(&sv, &rv, &iv);
        if (n + 1 < F) finish_bin(ws, f + step, next, model, &s, &rr, &ri, &cost);
        const float *h = hmajor + (size_t)f * Kp;
        float *p = phases + (size_t)f * Kp * 2;
        if (n + 2 < F) {
            const float *h2 = hmajor + (size_t)(f + 2 * step) * Kp, *p2 = phases + (size_t)(f + 2 * step) * Kp * 2;
            next = zero;
            for (int v = 0; v < vectors; v++) {
                next = add_component(next, h2 + (size_t)v * L, p2 + (size_t)v * 2 * L, _mm512_load_ps(u + (size_t)v * L));
                update_and_sum(p + (size_t)v * 2 * L, h + (size_t)v * L, blockNumerator + (size_t)v * L, blockDenominator + (size_t)v * L,
                               sv, rv, iv, scale, total);
            }
        } else {
            for (int v = 0; v < vectors; v++) {
                update_and_sum(p + (size_t)v * 2 * L, h + (size_t)v * L, blockNumerator + (size_t)v * L, blockDenominator + (size_t)v * L,
                               sv, rv, iv, scale, total);
            }
        }
        if ((n & (L - 1)) == L - 1 || n + 1 == F) {
            // A run of 16 bins ends: its float sums into the double totals.
            for (int k = 0; k < Kp; k += 8) {
                _mm512_storeu_pd(ws->numerator + k, _mm512_add_pd(_mm512_loadu_pd(ws->numerator + k), _mm512_cvtps_pd(_mm256_load_ps(blockNumerator + k))));
                _mm512_storeu_pd(ws->denominator + k, _mm512_add_pd(_mm512_loadu_pd(ws->denominator + k), _mm512_cvtps_pd(_mm256_load_ps(blockDenominator + k))));
            }
            memset(ws->block_sums, 0, sizeof(float) * 2 * (size_t)Kp);
        }
    }
    return cost;
}

/// The sweep has summed (HᵀH U)_k already.
static void summed_in_the_sweep(const cnmf_plan *plan, const double *in, double *out) {
    (void)plan;
    (void)in;
    (void)out;
}

const cnmf_kernels cnmf_avx512_component_major_kernels = {
    component_major_in, component_major_mixture_in, component_major_out, component_major_sweep,
    cnmf_avx512_gram, cnmf_avx512_gram_times, cnmf_avx512_gram_times_frames, summed_in_the_sweep, cnmf_avx512_powers,
    cnmf_avx512_update_activations, cnmf_avx512_shared_statistics, cnmf_avx512_shared_finish
};

#endif
