// The memory bound of one Complex NMF iteration on a frame: read the frame's basis (4·K·F bytes)
// and phases (8·K·F bytes) and write the phases back, as every sweep must, with no arithmetic
// beyond one FMA per float, in the kernel's 16-lane blocks and alternating direction. Where a
// frame's 12·K·F bytes outgrow the core's L2 cache (K = 352, F = 1025: 4.1 MiB) this rate, not
// the arithmetic, bounds the kernel, and with it time(4K)/time(K). Built by
// Benchmarks/benchmark.py with `cc -O3 -march=native`; prints JSON: element updates/s, the best
// of several rounds.
//     stream_bound K F [seconds = 0.5]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LANES 16

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/// One pass over `blocks` blocks of 16 elements: p ← a·p + h for both halves (Re, Im).
static void pass(float *restrict p, const float *restrict h, long blocks, int reverse, float a) {
    for (long n = 0; n < blocks; n++) {
        const long b = reverse ? blocks - 1 - n : n;
        float *q = p + 2 * LANES * b;
        const float *g = h + LANES * b;
        for (int j = 0; j < LANES; j++) q[j] = a * q[j] + g[j];
        for (int j = 0; j < LANES; j++) q[LANES + j] = a * q[LANES + j] + g[j];
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: stream_bound K F [seconds]\n");
        return 2;
    }
    const long K = atol(argv[1]), F = atol(argv[2]);
    const double budget = argc > 3 ? atof(argv[3]) : 0.5;
    const long blocks = K * ((F + LANES - 1) / LANES);
    if (K <= 0 || F <= 0 || budget <= 0) {
        fprintf(stderr, "stream_bound: K, F and seconds must be positive\n");
        return 2;
    }
    float *h = aligned_alloc(64, sizeof(float) * LANES * blocks), *p = aligned_alloc(64, sizeof(float) * 2 * LANES * blocks);
    if (!h || !p) {
        fprintf(stderr, "stream_bound: out of memory\n");
        return 1;
    }
    memset(h, 0, sizeof(float) * LANES * blocks);
    memset(p, 0, sizeof(float) * 2 * LANES * blocks);
    static volatile float factor = 0.999f;
    double best = 1e300;
    const double start = now();
    long sweeps = 0;
    while (now() - start < budget || sweeps < 40) {
        const double t0 = now();
        for (int i = 0; i < 20; i++, sweeps++) pass(p, h, blocks, (int)(sweeps & 1), factor);
        const double t = (now() - t0) / 20;
        if (t < best) best = t;
    }
    double sink = 0;
    for (long i = 0; i < 2 * LANES * blocks; i += 4096) sink += p[i];
    printf("{\"components\": %ld, \"bins\": %ld, \"frame_mib\": %.2f, \"updates_per_second\": %.6g, \"sink\": %g}\n",
           K, F, 12.0 * K * F / (1 << 20), (double)K * F / best, sink);
    free(h);
    free(p);
    return 0;
}
