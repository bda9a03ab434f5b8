// Helpers shared by the AVX-512 loops of both layouts (cnmf_avx512.c: 16-bin tiles,
// cnmf_avx512_component_major.c: 16 components per vector). Not part of the module's interface.
#ifndef CNMF_AVX512_COMMON_H
#define CNMF_AVX512_COMMON_H

#include "cnmf_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define L CNMF_LANES
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))

/// S and R of each bin scaled by the same power of two 2^−e so that max(|S|, |R|) is in [1, 2):
/// then |z|² = |S P + R|² neither overflows nor underflows (a float |z|² would underflow below
/// |z| ≈ 1e-19 and lose the smaller component, leaving |P| ≠ 1), and z/|z| is unchanged.
/// Returns 2^e, which turns the scaled |z| back into |z|.
AVX512 static inline __m512 normalise(__m512 *s, __m512 *rr, __m512 *ri) {
    const __m512 largest = _mm512_max_ps(_mm512_max_ps(_mm512_abs_ps(*s), _mm512_abs_ps(*rr)),
                                         _mm512_max_ps(_mm512_abs_ps(*ri), _mm512_set1_ps(1.17549435e-38f)));
    const __m512 e = _mm512_getexp_ps(largest), minusE = _mm512_sub_ps(_mm512_setzero_ps(), e);
    *s = _mm512_scalef_ps(*s, minusE);
    *rr = _mm512_scalef_ps(*rr, minusE);
    *ri = _mm512_scalef_ps(*ri, minusE);
    return _mm512_scalef_ps(_mm512_set1_ps(1.0f), e);
}

/// Running lane-wise sums over components: S = Σ_k H U, F = Σ_k H U P (`u` one component's
/// activation in every lane, or 16 components' activations).
typedef struct { __m512 s, fr, fi; } tile_sums;

AVX512 static inline tile_sums add_component(tile_sums a, const float *h, const float *p, __m512 u) {
    const __m512 c = _mm512_mul_ps(_mm512_load_ps(h), u);
    a.s = _mm512_add_ps(a.s, c);
    a.fr = _mm512_fmadd_ps(c, _mm512_load_ps(p), a.fr);
    a.fi = _mm512_fmadd_ps(c, _mm512_load_ps(p + L), a.fi);
    return a;
}

/// z = S P + R (S, R scaled by `normalise`);  P ← z/|z| where |z| > 0;  Σ_f H |z| lane-wise into n.
/// 1/|z| = r0 (3 − |z|² r0²)/2 with r0 = rsqrt14(|z|²): one Newton step, relative error ≈ 1e-7.
AVX512 static inline void update_component(float *p, const float *h, float *n, __m512 s, __m512 rr, __m512 ri, __m512 scale) {
    const __m512 zero = _mm512_setzero_ps(), half = _mm512_set1_ps(0.5f), three = _mm512_set1_ps(3.0f);
    const __m512 pr = _mm512_load_ps(p), pi = _mm512_load_ps(p + L);
    const __m512 zr = _mm512_fmadd_ps(s, pr, rr), zi = _mm512_fmadd_ps(s, pi, ri);
    const __m512 m2 = _mm512_fmadd_ps(zi, zi, _mm512_mul_ps(zr, zr));
    const __mmask16 live = _mm512_cmp_ps_mask(m2, zero, _CMP_GT_OQ);
    const __m512 r0 = _mm512_rsqrt14_ps(m2);
    const __m512 q = _mm512_fnmadd_ps(_mm512_mul_ps(m2, r0), r0, three);
    const __m512 r = _mm512_mul_ps(_mm512_mul_ps(r0, half), q);
    const __m512 magnitude = _mm512_mul_ps(_mm512_maskz_mul_ps(live, m2, r), scale);
    _mm512_store_ps(n, _mm512_fmadd_ps(_mm512_load_ps(h), magnitude, _mm512_load_ps(n)));
    _mm512_store_ps(p, _mm512_mask_mul_ps(pr, live, zr, r));
    _mm512_store_ps(p + L, _mm512_mask_mul_ps(pi, live, zi, r));
}

/// HᵀH (see cnmf_kernels.gram), (HᵀH)·in in double (gram_times) and U^(p−1) with the penalty
/// (powers): the same for both layouts.
int cnmf_avx512_gram(const float *basis, int bins, int components, int stride, double *gram);
void cnmf_avx512_gram_times(const cnmf_plan *plan, const double *in, double *out);
void cnmf_avx512_gram_times_frames(const cnmf_plan *plan, int count, const double *in, size_t stride, double *out);
double cnmf_avx512_powers(const cnmf_plan *plan, cnmf_workspace *ws);
/// The activation update and the shared-phase shortcut's per-frame passes
/// (cnmf_avx512_shared_phase.c), the same bits as the portable code.
void cnmf_avx512_update_activations(const cnmf_plan *plan, cnmf_workspace *ws);
double cnmf_avx512_shared_statistics(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator);
void cnmf_avx512_shared_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases);

#endif
#endif
