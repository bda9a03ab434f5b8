// Peak single-precision FMA throughput of one core: the roofline of the Euclidean NMF iterations
// (G·U, 2·K²·T FLOP per iteration). Independent accumulators (more than FMA latency × ports), so
// the loop is bound by the FMA ports alone. Built by Benchmarks/benchmark.py with
// `cc -O3 -march=native`; prints JSON: GFLOP/s (1 FMA = 2 FLOP) per vector width.
//     fma_peak [seconds per width, default 0.3]
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACCUMULATORS 16  // > 4 cycles latency × 2 ports × 2

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/// Runs `rounds` × 1000 × ACCUMULATORS FMAs of `lanes`-lane vectors; returns the seconds. The
/// accumulators are named variables (an array would live in memory); `a` and `b` come through
/// volatile loads so that the compiler cannot fold the chain.
#define STEP(f, i) acc##i = f(acc##i, a, b);
#define PEAK(name, type, set1, fmadd, lanes)                                                        \
    static double name(long rounds, float *sink) {                                                  \
        static volatile float va = 0.999999f, vb = 1e-7f;                                           \
        const type a = set1(va), b = set1(vb);                                                      \
        type acc0 = set1(1.00f), acc1 = set1(1.01f), acc2 = set1(1.02f), acc3 = set1(1.03f);        \
        type acc4 = set1(1.04f), acc5 = set1(1.05f), acc6 = set1(1.06f), acc7 = set1(1.07f);        \
        type acc8 = set1(1.08f), acc9 = set1(1.09f), acc10 = set1(1.10f), acc11 = set1(1.11f);      \
        type acc12 = set1(1.12f), acc13 = set1(1.13f), acc14 = set1(1.14f), acc15 = set1(1.15f);    \
        const double start = now();                                                                 \
        for (long r = 0; r < rounds * 1000; r++) {                                                  \
            STEP(fmadd, 0) STEP(fmadd, 1) STEP(fmadd, 2) STEP(fmadd, 3)                             \
            STEP(fmadd, 4) STEP(fmadd, 5) STEP(fmadd, 6) STEP(fmadd, 7)                             \
            STEP(fmadd, 8) STEP(fmadd, 9) STEP(fmadd, 10) STEP(fmadd, 11)                           \
            STEP(fmadd, 12) STEP(fmadd, 13) STEP(fmadd, 14) STEP(fmadd, 15)                         \
        }                                                                                           \
        const double seconds = now() - start;                                                       \
        const type total = acc0 + acc1 + acc2 + acc3 + acc4 + acc5 + acc6 + acc7 + acc8 + acc9      \
                           + acc10 + acc11 + acc12 + acc13 + acc14 + acc15;                         \
        float out[lanes];                                                                           \
        __builtin_memcpy(out, &total, sizeof total);                                                \
        *sink += out[0];                                                                            \
        return seconds;                                                                             \
    }

#if defined(__AVX512F__)
PEAK(peak512, __m512, _mm512_set1_ps, _mm512_fmadd_ps, 16)
#endif
#if defined(__FMA__)
PEAK(peak256, __m256, _mm256_set1_ps, _mm256_fmadd_ps, 8)
#endif

/// Best GFLOP/s of 5 runs of about `seconds` each.
static double measure(double (*peak)(long, float *), int lanes, double seconds, float *sink) {
    long rounds = 1000;
    while (peak(rounds, sink) < 0.05) rounds *= 2;  // calibrate (and warm up the clock)
    rounds = (long)(rounds * seconds / peak(rounds, sink)) + 1;
    double best = 0;
    for (int run = 0; run < 5; run++) {
        const double flops = 2.0 * lanes * ACCUMULATORS * 1000.0 * rounds / peak(rounds, sink);
        if (flops > best) best = flops;
    }
    return best * 1e-9;
}

int main(int argc, char **argv) {
    const double seconds = argc > 1 ? atof(argv[1]) : 0.3;
    float sink = 0;
    printf("{");
#if defined(__AVX512F__)
    printf("\"avx512_gflops\": %.1f, ", measure(peak512, 16, seconds, &sink));
#endif
#if defined(__FMA__)
    printf("\"avx2_gflops\": %.1f, ", measure(peak256, 8, seconds, &sink));
#endif
    printf("\"sink\": %g}\n", (double)(sink != 0));
    return 0;
}
