// The plain-C loops of the Complex NMF kernel (see cnmf_portable.c), included by
// cnmf_portable.c (compiled for the baseline target: any CPU) and by cnmf_avx2.c (compiled
// for AVX2 + FMA, which the compiler vectorises 8 lanes wide and whose a·b + c it fuses).
// Before including: cnmf_internal.h, <float.h>, <math.h>, <stdint.h>, <stdlib.h>, <string.h>, and
// CNMF_PORTABLE_TABLE, the name of the kernels table to define. Not part of the module's
// interface.

#define L CNMF_LANES

#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_sqrt)
#define SQRT(x) __builtin_elementwise_sqrt(x)  // no errno, so the loop can be vectorised
#endif
#endif
#ifndef SQRT
#define SQRT(x) sqrtf(x)
#endif

static void tile_in(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, const float *phases) {
    const int F = plan->bins, K = plan->components, tiles = plan->tiles;
    // Padding lanes of the last tile: zero phases (their basis rows are zero).
    cnmf_spectrum_in(plan, ws, spectrum);
    if (tiles * L > F) memset(ws->ptile + (size_t)(tiles - 1) * K * 2 * L, 0, sizeof(float) * (size_t)K * 2 * L);
    for (int f = 0; f < F; f++) {
        const int tile = f / L, lane = f % L;
        float *p = ws->ptile + (size_t)tile * K * 2 * L + lane;
        const float *q = phases + (size_t)2 * K * f;
        for (int k = 0; k < K; k++) {
            p[(size_t)k * 2 * L] = q[2 * k];
            p[(size_t)k * 2 * L + L] = q[2 * k + 1];
        }
    }
}

static void tile_out(const cnmf_plan *plan, const cnmf_workspace *ws, float *phases) {
    for (int f = 0; f < plan->bins; f++) cnmf_tile_out_bin(plan, ws, f, phases);
}

/// The per-bin scaling below in bit operations and multiplications, which vectorise, instead of
/// ilogbf and ldexpf, which are library calls per lane (≈ 13 % of the AVX2 build's sweep at
/// K = 88). The values are those of ldexpf wherever the scaled value is a normal float; where it
/// is subnormal the frame run flushes it to zero (FTZ | DAZ on x86), and DAZ reads ldexpf's
/// subnormal as zero too in every later use, so the results are unchanged.
///
/// floor(log2 x) for a normal x > 0; 128 for +inf and NaN.
static inline int exponent_of(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (int)((bits >> 23) & 0xff) - 127;
}

/// 2^e for −126 ≤ e ≤ 128 (2^128: +inf), exactly.
static inline float power_of_two(int e) {
    const uint32_t bits = (uint32_t)(e + 127) << 23;
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/// x · 2^−e for e from exponent_of (−126 … 128): 2^−127 and 2^−128 are subnormal (DAZ would read
/// them as zero), so those take two factors.
static inline float scaled_down(float x, int e) {
    return e <= 126 ? x * power_of_two(-e) : x * power_of_two(-126) * power_of_two(126 - e);
}

/// One sweep over the bins of a frame, per tile of 16 bins (lanes) with U the current iterate:
///
///     S_f = Σ_k H[f,k] U_k,   F_f = Σ_k H[f,k] U_k P_kf,   R_f = Y_f − F_f,   cost += |R_f|²
///     z_kf = S_f P_kf + R_f,  P_kf ← z_kf / |z_kf|  (where |z_kf| > 0),  N_k += H[f,k] |z_kf|
///
/// (the second line only with `update`; U is then updated from N by the caller). Tiles are
/// taken in order, or from the last back to the first with `reverse` (see cnmf_frame_run).
static double sweep(const cnmf_plan *plan, cnmf_workspace *ws, int update, int model, int reverse) {
    const int K = plan->components, tiles = plan->tiles;
    const float *u = ws->u;
    float *numerator = ws->numerator_lanes;
    double cost[L] = {0};
    if (update) memset(numerator, 0, sizeof(float) * (size_t)K * L);
    for (int n = 0; n < tiles; n++) {
        const int tile = reverse ? tiles - 1 - n : n;
        const float *h = plan->htile + (size_t)tile * K * L;
        float *p = ws->ptile + (size_t)tile * K * 2 * L;
        const float *y = ws->ytile + (size_t)tile * 2 * L;
        // S = Σ_k H U and F = Σ_k H U P, in two interleaved partial sums (even and odd k).
        float s0[L] = {0}, s1[L] = {0}, fr0[L] = {0}, fr1[L] = {0}, fi0[L] = {0}, fi1[L] = {0};
        int k = 0;
        for (; k + 1 < K; k += 2) {
            const float *h0 = h + (size_t)k * L, *p0 = p + (size_t)k * 2 * L;
            for (int j = 0; j < L; j++) {
                const float c0 = h0[j] * u[k], c1 = h0[L + j] * u[k + 1];
                s0[j] += c0;
                s1[j] += c1;
                fr0[j] += c0 * p0[j];
                fi0[j] += c0 * p0[L + j];
                fr1[j] += c1 * p0[2 * L + j];
                fi1[j] += c1 * p0[3 * L + j];
            }
        }
        if (k < K) {
            const float *h0 = h + (size_t)k * L, *p0 = p + (size_t)k * 2 * L;
            for (int j = 0; j < L; j++) {
                const float c0 = h0[j] * u[k];
                s0[j] += c0;
                fr0[j] += c0 * p0[j];
                fi0[j] += c0 * p0[L + j];
            }
        }
        float s[L], rr[L], ri[L], scale[L];
        for (int j = 0; j < L; j++) {
            s[j] = s0[j] + s1[j];
            const float fr = fr0[j] + fr1[j], fi = fi0[j] + fi1[j];
            rr[j] = y[j] - fr;
            ri[j] = y[L + j] - fi;
            cost[j] += (double)rr[j] * rr[j] + (double)ri[j] * ri[j];
            if (model) {
                ws->mtile[(size_t)tile * 2 * L + j] = fr;
                ws->mtile[(size_t)tile * 2 * L + L + j] = fi;
            }
            // S and R scaled by 2^−e, max(|S|, |R|) in [1, 2): |z|² can neither overflow nor
            // underflow; z/|z| is unchanged and |z| = 2^e · (scaled |z|).
            const float largest = fmaxf(fmaxf(fabsf(s[j]), fabsf(rr[j])), fmaxf(fabsf(ri[j]), FLT_MIN));
            const int e = exponent_of(largest);
            scale[j] = power_of_two(e);
            s[j] = scaled_down(s[j], e);
            rr[j] = scaled_down(rr[j], e);
            ri[j] = scaled_down(ri[j], e);
        }
        if (!update) continue;
        // z = S P + R;  P ← z/|z| where |z| > 0;  Σ_f H |z| lane-wise.
        for (k = 0; k < K; k++) {
            const float *hk = h + (size_t)k * L;
            float *pr = p + (size_t)k * 2 * L, *pi = pr + L, *nk = numerator + (size_t)k * L;
            for (int j = 0; j < L; j++) {
                const float zr = s[j] * pr[j] + rr[j], zi = s[j] * pi[j] + ri[j];
                const float m2 = zr * zr + zi * zi;
                const float magnitude = SQRT(m2);
                const int live = m2 > 0;
                nk[j] += hk[j] * (magnitude * scale[j]);
                pr[j] = live ? zr / magnitude : pr[j];
                pi[j] = live ? zi / magnitude : pi[j];
            }
        }
    }
    if (update) {
        for (int k = 0; k < K; k++) {
            double n = 0;
            for (int j = 0; j < L; j++) n += (double)numerator[(size_t)k * L + j];
            ws->numerator[k] = n;
        }
    }
    double total = 0;
    for (int j = 0; j < L; j++) total += cost[j];
    return total;
}

/// HᵀH bin by bin: each bin adds its products to the upper triangle (an inner loop of
/// independent sums, which vectorises), which is then mirrored.
static int gram(const float *basis, int bins, int components, int stride, double *g) {
    memset(g, 0, sizeof(double) * (size_t)components * stride);
    double *row = malloc(sizeof(double) * (components > 0 ? components : 1));
    if (!row) return 0;
    for (int f = 0; f < bins; f++) {
        for (int k = 0; k < components; k++) row[k] = basis[(size_t)k * bins + f];
        for (int a = 0; a < components; a++) {
            double *ga = g + (size_t)a * stride;
            const double ha = row[a];
            for (int b = a; b < components; b++) ga[b] += ha * row[b];
        }
    }
    free(row);
    for (int a = 0; a < components; a++) {
        for (int b = 0; b < a; b++) g[(size_t)a * stride + b] = g[(size_t)b * stride + a];
    }
    return 1;
}

static void gram_times(const cnmf_plan *plan, const double *in, double *out) {
    const int K = plan->components, stride = plan->gram_stride;
    for (int a = 0; a < K; a++) out[a] = 0;
    for (int b = 0; b < K; b++) {
        const double *g = plan->gram + (size_t)b * stride;  // HᵀH is symmetric: row b = column b
        for (int a = 0; a < K; a++) out[a] += g[a] * in[b];
    }
}

/// 8 doubles of one vector, in whatever vectors the target has (2 with AVX2, 4 with SSE2 or NEON);
/// each lane's arithmetic is that of the scalar code (a·b + c fused where the target has FMA,
/// as the compiler fuses the scalar expression).
typedef double gram_lanes __attribute__((vector_size(sizeof(double) * 8)));
/// Vectors per register block of gram_times_frames: 4 × 8 doubles are 8 AVX2 or 16 NEON
/// registers. The including file may set fewer (baseline x86-64: 16 registers of 2 doubles).
#ifndef GRAM_FRAMES
#define GRAM_FRAMES 4
#endif

/// gram_times of `frames` vectors from j0, rows a0 … a0 + 7, the sums in registers.
static inline __attribute__((always_inline)) void gram_times_block(const cnmf_plan *plan, const double *in, size_t stride, double *out,
                                                                   int j0, int a0, const int frames) {
    const int K = plan->components, gs = plan->gram_stride;
    gram_lanes acc[GRAM_FRAMES];
    for (int j = 0; j < frames; j++) acc[j] = (gram_lanes){ 0 };
    for (int b = 0; b < K; b++) {
        gram_lanes g;  // row b = column b (HᵀH is symmetric); gram_stride is a multiple of 8
        memcpy(&g, plan->gram + (size_t)b * gs + a0, sizeof g);
        for (int j = 0; j < frames; j++) acc[j] += g * in[(size_t)(j0 + j) * stride + (size_t)b];
    }
    const int rows = K - a0 < 8 ? K - a0 : 8;
    for (int j = 0; j < frames; j++) memcpy(out + (size_t)(j0 + j) * stride + a0, &acc[j], sizeof(double) * (size_t)rows);
}

/// gram_times of `count` vectors in register blocks of GRAM_FRAMES vectors × 8 rows: HᵀH is read
/// once per block of vectors, and every entry is the sum gram_times forms (b in order, from
/// zero), so the bits are those of one vector at a time.
static void gram_times_frames(const cnmf_plan *plan, int count, const double *in, size_t stride, double *out) {
    _Static_assert(GRAM_FRAMES >= 1 && GRAM_FRAMES <= 4, "the switch below covers up to 3 vectors left");
    const int K = plan->components;
    for (int a0 = 0; a0 < K; a0 += 8) {
        int j0 = 0;
        for (; j0 + GRAM_FRAMES <= count; j0 += GRAM_FRAMES) gram_times_block(plan, in, stride, out, j0, a0, GRAM_FRAMES);
        switch (count - j0) {
        case 1: gram_times_block(plan, in, stride, out, j0, a0, 1); break;
        case 2: gram_times_block(plan, in, stride, out, j0, a0, 2); break;
        case 3: gram_times_block(plan, in, stride, out, j0, a0, 3); break;
        default: break;
        }
    }
}

#if CNMF_SERIES_POWERS
/// The double with bits `bits`, and the bits of `x` (memcpy: no aliasing, and it vectorises).
static inline double from_bits(uint64_t bits) { double x; memcpy(&x, &bits, sizeof x); return x; }
static inline uint64_t to_bits(double x) { uint64_t bits; memcpy(&bits, &x, sizeof bits); return bits; }

/// x^e for normal x > 0 with the operations of the AVX-512 loops' power_pd (cnmf_avx512.c), one
/// lane at a time, so the results are its bits (relative error below 2e-11): x = 2^n m with m in
/// [√½, √2), ln m = 2 atanh((m − 1)/(m + 1)) to s¹¹, then exp(e ln x) = 2^j exp(r) with
/// exp(r) to r¹¹. AVX2 has no conversions between 64-bit integers and doubles, so n comes from
/// the exponent bits through 2⁵² + n, and 2^j is built from the bits of 2⁵² + 1023 + j (|j|
/// stays far below 1022 for activations and exponents in (−1, 1)). The loop over components
/// vectorises 4 lanes wide; libm's pow, a call per component, was ≈ 30 % of the AVX2 build's
/// shared-phase form.
static inline double series_power(double x, double e) {
    const double two52 = 0x1p52;
    const uint64_t bits = to_bits(x);
    double n = from_bits(0x4330000000000000ULL | (bits >> 52)) - two52 - 1023;  // the unbiased exponent (x > 0)
    double m = from_bits((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // in [1, 2)
    const int big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    n = big ? n + 1 : n;
    const double s = (m - 1) / (m + 1), s2 = s * s;
    double series = 1.0 / 11;
    series = fma(series, s2, 1.0 / 9);
    series = fma(series, s2, 1.0 / 7);
    series = fma(series, s2, 1.0 / 5);
    series = fma(series, s2, 1.0 / 3);
    series = fma(series, s2, 1.0);
    const double lnm = (s + s) * series;
    const double ln2hi = 0.6931471803691238, ln2lo = 1.9082149292705877e-10;
    const double y = e * fma(n, ln2hi, fma(n, ln2lo, lnm));
    const double j = __builtin_rint(y * 1.4426950408889634);  // to nearest, ties to even (the default mode)
    const double r = fma(-j, ln2lo, fma(-j, ln2hi, y));
    double t = 1.0 / 39916800;
    static const double inverseFactorials[] = { 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
                                                1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0 };
    for (int i = 0; i < 11; i++) t = fma(t, r, inverseFactorials[i]);
    const double scale = from_bits(to_bits(two52 + 1023 + j) << 52);  // 2^j
    return t * scale;
}
#endif

/// power[k] = U_k^(p−1) (libm pow, or series_power where CNMF_SERIES_POWERS is set); returns
/// Σ_k U_k^p (0 when λ = 0).
static double powers(const cnmf_plan *plan, cnmf_workspace *ws) {
    const int K = plan->components;
    const double exponent = plan->sparsity - 1;
    double penalty = 0;
    for (int k = 0; k < K; k++) ws->activation[k] = ws->u[k];
#if CNMF_SERIES_POWERS
    if (plan->lambda > 0) {
        double *restrict power = ws->power;
        const double *restrict u = ws->activation;
        for (int k = 0; k < K; k++) power[k] = series_power(u[k], exponent);
    } else {
        for (int k = 0; k < K; k++) ws->power[k] = 0;
    }
#else
    for (int k = 0; k < K; k++) ws->power[k] = plan->lambda > 0 ? pow(ws->activation[k], exponent) : 0;
#endif
    for (int k = 0; k < K; k++) penalty += ws->activation[k] * ws->power[k];
    return penalty;
}

const cnmf_kernels CNMF_PORTABLE_TABLE = { tile_in, cnmf_tile_in_mixture, tile_out, sweep, gram, gram_times, gram_times_frames, gram_times, powers,
    cnmf_update_activations, cnmf_portable_shared_statistics, cnmf_portable_shared_finish };
