// What Intel AMX could do for the Euclidean NMF iterations: G·U (K × K by K × T, G = HᵀH) with
// AMX bf16 tiles, every float split as hi + lo bf16 (hi = bf16(x), lo = bf16(x − hi)) and three
// tile products per block (hi·hi + hi·lo + lo·hi) accumulated in fp32. Prints JSON: seconds and
// useful GFLOP/s (2·K²·T per product) of the products alone and with the per-iteration split of
// U, and the worst relative error of G·U against a double product. A measurement for the
// benchmark's NMF section (the NMF kernel does not use AMX); needs a CPU and kernel with AMX.
// Built by Benchmarks/benchmark.py with `cc -O3 -march=native`:
//     amx_split_product [K = 88] [T = 2000] [iterations = 100]
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if !defined(__AMX_BF16__) || !defined(__AVX512BF16__)
int main(void) {
    printf("{\"amx\": false, \"reason\": \"compiler target without AMX-BF16 / AVX512-BF16\"}\n");
    return 0;
}
#else

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

typedef struct {
    unsigned char palette, start, reserved[14];
    unsigned short columnBytes[16];
    unsigned char rows[16];
} tile_config;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/// float → bf16 bits, rounded to nearest even (finite values), and bf16 bits → float.
static inline uint16_t to_bf16(float x) {
    union { float f; uint32_t u; } v = { x };
    return (uint16_t)((v.u + 0x7fff + ((v.u >> 16) & 1)) >> 16);
}
static inline float from_bf16(uint16_t x) {
    union { uint32_t u; float f; } v = { (uint32_t)x << 16 };
    return v.f;
}

/// bf16 → float (exact).
static inline __m512 widen(__m256bh x) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)x), 16)); }

/// Splits `count` floats (a multiple of 16, zero-padded) into hi and lo bf16.
static void split(const float *x, int count, uint16_t *hi, uint16_t *lo) {
    for (int i = 0; i < count; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m256bh h = _mm512_cvtneps_pbh(v);
        _mm256_storeu_si256((__m256i *)(hi + i), (__m256i)h);
        _mm256_storeu_si256((__m256i *)(lo + i), (__m256i)_mm512_cvtneps_pbh(_mm512_sub_ps(v, widen(h))));
    }
}

int main(int argc, char **argv) {
    const int K = argc > 1 ? atoi(argv[1]) : 88, T = argc > 2 ? atoi(argv[2]) : 2000, N = argc > 3 ? atoi(argv[3]) : 100;
    const int KP = (K + 31) / 32 * 32, chunks = KP / 32, columnTiles = KP / 16;
    if (K < 1 || T < 16 || T % 16 != 0 || N < 1 || columnTiles > 6) {
        fprintf(stderr, "amx_split_product: need 1 ≤ K ≤ 96, T a positive multiple of 16, iterations ≥ 1\n");
        return 2;
    }
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
        printf("{\"amx\": false, \"reason\": \"the kernel refused AMX tile data (arch_prctl)\"}\n");
        return 0;
    }
    // G symmetric with entries in [0, 1], U in [0.1, 1.1): like HᵀH and activations.
    float *G = calloc((size_t)KP * KP, sizeof(float)), *U = calloc((size_t)T * KP, sizeof(float));
    srand(1);
    for (int a = 0; a < K; a++) for (int b = a; b < K; b++) G[a * KP + b] = G[b * KP + a] = rand() / (float)RAND_MAX;
    for (int t = 0; t < T; t++) for (int k = 0; k < K; k++) U[(size_t)t * KP + k] = 0.1f + rand() / (float)RAND_MAX;
    // B (= G) in the tiles' pair layout: chunk c of 32 rows k, column tile j of 16 columns n:
    // 16 rows (k pairs) × 32 bf16 (n, parity of k).
    uint16_t *bHi = aligned_alloc(64, 2 * (size_t)KP * KP), *bLo = aligned_alloc(64, 2 * (size_t)KP * KP);
    for (int c = 0; c < chunks; c++)
        for (int j = 0; j < columnTiles; j++)
            for (int r = 0; r < 16; r++)
                for (int n = 0; n < 16; n++)
                    for (int p = 0; p < 2; p++) {
                        const float g = G[(c * 32 + 2 * r + p) * KP + j * 16 + n];
                        const uint16_t h = to_bf16(g);
                        const size_t i = ((size_t)(c * columnTiles + j) * 16 + r) * 32 + 2 * n + p;
                        bHi[i] = h;
                        bLo[i] = to_bf16(g - from_bf16(h));
                    }
    uint16_t *aHi = aligned_alloc(64, 2 * (size_t)T * KP), *aLo = aligned_alloc(64, 2 * (size_t)T * KP);
    float *C = aligned_alloc(64, 4 * (size_t)T * KP);
    tile_config config = { .palette = 1 };
    for (int i = 0; i < 8; i++) { config.rows[i] = 16; config.columnBytes[i] = 64; }
    _tile_loadconfig(&config);
    double seconds[2] = { 1e9, 1e9 };
    for (int withSplit = 0; withSplit < 2; withSplit++) {
        split(U, T * KP, aHi, aLo);
        for (int repeat = 0; repeat < 5; repeat++) {
            const double start = now();
            for (int iteration = 0; iteration < N; iteration++) {
                if (withSplit) split(U, T * KP, aHi, aLo);
                for (int t = 0; t < T; t += 16) {
                    // Tiles 0–5: the C accumulators; 6: A (16 frames × 32 k); 7: B.
                    _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3); _tile_zero(4); _tile_zero(5);
                    for (int c = 0; c < chunks; c++) {
                        for (int part = 0; part < 3; part++) {
                            _tile_loadd(6, (part == 2 ? aLo : aHi) + (size_t)t * KP + c * 32, 2 * KP);
                            const uint16_t *b = (part == 1 ? bLo : bHi) + (size_t)c * columnTiles * 512;
#define PRODUCT(j) if (j < columnTiles) { _tile_loadd(7, b + (size_t)(j) * 512, 64); _tile_dpbf16ps(j, 6, 7); }
                            PRODUCT(0) PRODUCT(1) PRODUCT(2) PRODUCT(3) PRODUCT(4) PRODUCT(5)
                        }
                    }
                    float *out = C + (size_t)t * KP;
#define STORE(j) if (j < columnTiles) _tile_stored(j, out + 16 * (j), 4 * KP);
                    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5)
                }
            }
            const double elapsed = now() - start;
            if (elapsed < seconds[withSplit]) seconds[withSplit] = elapsed;
        }
    }
    _tile_release();
    double worst = 0;
    for (int t = 0; t < T; t++)
        for (int a = 0; a < K; a++) {
            double exact = 0;
            for (int b = 0; b < K; b++) exact += (double)U[(size_t)t * KP + b] * G[b * KP + a];
            const double error = fabs(C[(size_t)t * KP + a] - exact) / exact;
            if (error > worst) worst = error;
        }
    const double flop = 2.0 * K * K * T * N;
    printf("{\"amx\": true, \"K\": %d, \"T\": %d, \"iterations\": %d, \"products_seconds\": %.6f, \"products_gflops\": %.1f, "
           "\"with_split_seconds\": %.6f, \"with_split_gflops\": %.1f, \"worst_relative_error\": %.2e}\n",
           K, T, N, seconds[0], flop / seconds[0] / 1e9, seconds[1], flop / seconds[1] / 1e9, worst);
    return 0;
}
#endif
