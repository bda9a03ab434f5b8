// The seeded phase jitter of the Complex NMF start (see cnmf_phase_jitter in CComplexNMFKernel.h).
//
// Per pair m of phases, two uniforms a, b in (0, 1] from the frame's generator (in that order),
// then Box–Muller gives both normals of the pair,
//
//     r = √(−2 ln a),  θ = 2π b,  z_2m = r cos θ,  z_2m+1 = r sin θ,
//
// and each phase turns by φ = σ z: P ← P · (cos φ + j sin φ), in double, rounded to float.
// The generator is xoshiro256** seeded through SplitMix64, the same sequence as the Swift
// SeededRandomGenerator, and a uniform is (bits >> 11) + 1 times 2⁻⁵³.
//
// On x86-64 Linux with AVX-512 the transcendental functions come from glibc's vector math
// library (libmvec, ≤ 4 ulp), eight pairs at a time; elsewhere from libm, one at a time. The
// two may differ in the last bits of a phase; either one is a fixed function of its inputs.
#define _DEFAULT_SOURCE  // M_PI under strict C modes
#include "CComplexNMFKernel.h"
#include "CInstructionSet.h"

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
#define CNMF_HAVE_LIBMVEC 1
#include <immintrin.h>
#endif

typedef struct { uint64_t s[4]; } xoshiro;

static uint64_t split_mix(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static xoshiro xoshiro_seeded(uint64_t seed) {
    xoshiro g;
    for (int i = 0; i < 4; i++) g.s[i] = split_mix(&seed);
    return g;
}

static inline uint64_t rotate_left(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t xoshiro_next(xoshiro *g) {
    const uint64_t result = rotate_left(g->s[1] * 5, 7) * 9, t = g->s[1] << 17;
    g->s[2] ^= g->s[0];
    g->s[3] ^= g->s[1];
    g->s[1] ^= g->s[2];
    g->s[0] ^= g->s[3];
    g->s[2] ^= t;
    g->s[3] = rotate_left(g->s[3], 45);
    return result;
}

/// A uniform double in (0, 1].
static inline double uniform(xoshiro *g) { return (double)((xoshiro_next(g) >> 11) + 1) * 0x1p-53; }

// P · (cos φ + j sin φ) in double, the products not fused (as the Swift reference writes it).
#pragma STDC FP_CONTRACT OFF
static inline void turn(float *p, double c, double s) {
    const double re = p[0], im = p[1];
    p[0] = (float)(re * c - im * s);
    p[1] = (float)(re * s + im * c);
}

static void jitter_portable(float *phases, size_t count, xoshiro *g, double sigma) {
    for (size_t i = 0; i < count; i += 2) {
        const double a = uniform(g), b = uniform(g);
        const double r = sqrt(-2 * log(a)), theta = 2 * M_PI * b;
        const double z[2] = { r * cos(theta), r * sin(theta) };
        for (size_t j = 0; j < 2 && i + j < count; j++) {
            const double phi = sigma * z[j];
            turn(phases + 2 * (i + j), cos(phi), sin(phi));
        }
    }
}

#if CNMF_HAVE_LIBMVEC
#define AVX512 __attribute__((target("avx512f,avx512dq")))
// glibc's vector math, AVX-512 variants (x86-64 vector function ABI, eight doubles).
AVX512 __m512d _ZGVeN8v_log(__m512d x);
AVX512 __m512d _ZGVeN8v_cos(__m512d x);
AVX512 __m512d _ZGVeN8v_sin(__m512d x);

/// Eight pairs (16 phases) at a time; the last block draws its eight pairs' uniforms whole and
/// writes only the phases that exist (each frame has its own generator, so nothing follows).
AVX512 static void jitter_avx512(float *phases, size_t count, xoshiro *g, double sigma) {
    const __m512d two_pi = _mm512_set1_pd(2 * M_PI), minus_two = _mm512_set1_pd(-2.0), s = _mm512_set1_pd(sigma);
    for (size_t i = 0; i < count; i += 16) {
        _Alignas(64) double a[8], b[8], c[2][8], sn[2][8];
        for (int m = 0; m < 8; m++) {
            a[m] = uniform(g);
            b[m] = uniform(g);
        }
        const __m512d r = _mm512_sqrt_pd(_mm512_mul_pd(minus_two, _ZGVeN8v_log(_mm512_load_pd(a))));
        const __m512d theta = _mm512_mul_pd(two_pi, _mm512_load_pd(b));
        const __m512d z[2] = { _mm512_mul_pd(r, _ZGVeN8v_cos(theta)), _mm512_mul_pd(r, _ZGVeN8v_sin(theta)) };
        for (int h = 0; h < 2; h++) {
            const __m512d phi = _mm512_mul_pd(s, z[h]);
            _mm512_store_pd(c[h], _ZGVeN8v_cos(phi));
            _mm512_store_pd(sn[h], _ZGVeN8v_sin(phi));
        }
        const size_t n = count - i < 16 ? count - i : 16;
        for (size_t j = 0; j < n; j++) turn(phases + 2 * (i + j), c[j & 1][j >> 1], sn[j & 1][j >> 1]);
    }
}
#endif

void cnmf_phase_jitter(float *phases, size_t count, unsigned long long seed, double sigma, cnmf_isa isa) {
    xoshiro g = xoshiro_seeded((uint64_t)seed);
    // The automatic choice honours CNMF_INSTRUCTION_SET (see CInstructionSet.h).
    if (isa == CNMF_ISA_AUTOMATIC && cnmf_level_resolve(CNMF_LEVEL_AUTOMATIC) != CNMF_LEVEL_AVX512) isa = CNMF_ISA_PORTABLE;
#if CNMF_HAVE_LIBMVEC
    if (isa != CNMF_ISA_PORTABLE) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
            jitter_avx512(phases, count, &g, sigma);
            return;
        }
    }
#else
    (void)isa;
#endif
    jitter_portable(phases, count, &g, sigma);
}
