// The C yardstick of the Complex NMF benchmark: the same update as the library's kernel, written
// the way one would by hand in plain C (float, no intrinsics, loops shaped so that they vectorise)
// and compiled with `cc -O3 -march=native -ffast-math`, so the compiler vectorises it as it can.
// Like the library's kernel it runs a frame at a time with all iterations inside (the phases
// of a frame stay in cache) and computes the cost of every iterate; unlike it, it sums in float.
//
// Per frame (frames are independent; all iterations of a frame run back to back), with
// S_f = Σ_k H[f,k] U_k, F_f = Σ_k H[f,k] U_k P_kf, R_f = Y_f − F_f:
//     z_kf = S_f P_kf + R_f,  P_kf ← z_kf / |z_kf|,
//     U_k ← max(floor, U_k Σ_f H[f,k] |z_kf| / ((HᵀH U)_k + λ p U_k^(p−1))),
//     cost += Σ_f |R_f|² + 2λ Σ_k U_k^p.
// Layouts chosen for plain-C vectorisation: H row-major [F][K]; per frame and bin the phases
// as two arrays, re[K] then im[K] (gcc 12 does not vectorise the select on interleaved pairs).
//
// Two versions: `natural` (a bin at a time, lanes over components: what one writes first) and
// `tiled` (tiles of 16 bins, lanes over bins: the layout of the library's kernel, in plain C).
//
// Usage: cnmf_yardstick natural|tiled BINS COMPONENTS FRAMES ITERATIONS REPEATS
// Prints one line: "seconds <median> cost <final cost>" for all frames, single thread.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static unsigned long long state = 0x9E3779B97F4A7C15ull;
static double uniform(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return (double)(state >> 11) * (1.0 / 9007199254740992.0);
}

/// All iterations of one frame. h: row-major [F][K]; gram: [K][K]; p: [F][re K | im K]; u: [K].
static double frame(int F, int K, int iterations, const float *restrict h, const float *restrict gram, const float *restrict y,
                    float *restrict u, float *restrict p, float lambda, float sparsity, float *restrict numerator, float *restrict denominator) {
    double cost = 0;
    for (int it = 0; it < iterations; it++) {
        cost = 0;
        for (int k = 0; k < K; k++) numerator[k] = 0;
        for (int f = 0; f < F; f++) {
            const float *hf = h + (size_t)f * K;
            float *restrict pr = p + (size_t)2 * K * f, *restrict pi = pr + K;
            float s = 0, fr = 0, fi = 0;
            for (int k = 0; k < K; k++) {
                const float c = hf[k] * u[k];
                s += c;
                fr += c * pr[k];
                fi += c * pi[k];
            }
            const float rr = y[2 * f] - fr, ri = y[2 * f + 1] - fi;
            cost += rr * rr + ri * ri;
            for (int k = 0; k < K; k++) {
                const float zr = s * pr[k] + rr, zi = s * pi[k] + ri;
                const float magnitude = sqrtf(zr * zr + zi * zi);
                numerator[k] += hf[k] * magnitude;
                // Branch-free, so the loop vectorises: unchanged where |z| = 0.
                const float inverse = magnitude > 0 ? 1 / magnitude : 0;
                pr[k] = magnitude > 0 ? zr * inverse : pr[k];
                pi[k] = magnitude > 0 ? zi * inverse : pi[k];
            }
        }
        for (int k = 0; k < K; k++) {
            float d = 0;
            for (int b = 0; b < K; b++) d += gram[(size_t)k * K + b] * u[b];
            denominator[k] = d;
        }
        for (int k = 0; k < K; k++) {
            const float power = powf(u[k], sparsity - 1);
            cost += 2 * lambda * u[k] * power;
            const float d = denominator[k] + lambda * sparsity * power;
            const float updated = d > 0 ? u[k] * numerator[k] / d : 0;
            u[k] = updated > 1e-30f ? updated : 1e-30f;
        }
    }
    return cost;
}


/// The same iterations with the bins in tiles of 16 (lanes over bins, so nothing is reduced
/// across lanes inside the loops): h16: [tiles][K][16]; p16: [tiles][K][re 16 | im 16];
/// y16: [tiles][re 16 | im 16]. The frame's phases are converted from and back to [F][K] complex.
static double frame_tiled(int F, int K, int iterations, const float *restrict h16, const float *restrict gram,
                          const float *restrict y, float *restrict u, float *restrict p, float lambda, float sparsity,
                          float *restrict numerator, float *restrict denominator, float *restrict p16, float *restrict y16,
                          float *restrict numerator16) {
    const int tiles = (F + 15) / 16;
    memset(p16, 0, sizeof(float) * 32 * (size_t)K * tiles);
    memset(y16, 0, sizeof(float) * 32 * (size_t)tiles);
    for (int f = 0; f < F; f++) {
        const int tile = f / 16, lane = f % 16;
        y16[32 * tile + lane] = y[2 * f];
        y16[32 * tile + 16 + lane] = y[2 * f + 1];
        for (int k = 0; k < K; k++) {
            p16[((size_t)tile * K + k) * 32 + lane] = p[(size_t)2 * (K * f + k)];
            p16[((size_t)tile * K + k) * 32 + 16 + lane] = p[(size_t)2 * (K * f + k) + 1];
        }
    }
    double cost = 0;
    for (int it = 0; it < iterations; it++) {
        cost = 0;
        memset(numerator16, 0, sizeof(float) * 16 * (size_t)K);
        for (int tile = 0; tile < tiles; tile++) {
            const float *ht = h16 + (size_t)tile * K * 16;
            float *pt = p16 + (size_t)tile * K * 32;
            float s[16] = {0}, rr[16] = {0}, ri[16] = {0};
            for (int k = 0; k < K; k++) {
                for (int j = 0; j < 16; j++) {
                    const float c = ht[16 * k + j] * u[k];
                    s[j] += c;
                    rr[j] += c * pt[32 * k + j];
                    ri[j] += c * pt[32 * k + 16 + j];
                }
            }
            for (int j = 0; j < 16; j++) {
                rr[j] = y16[32 * tile + j] - rr[j];
                ri[j] = y16[32 * tile + 16 + j] - ri[j];
                cost += rr[j] * rr[j] + ri[j] * ri[j];
            }
            for (int k = 0; k < K; k++) {
                for (int j = 0; j < 16; j++) {
                    const float pr = pt[32 * k + j], pi = pt[32 * k + 16 + j];
                    const float zr = s[j] * pr + rr[j], zi = s[j] * pi + ri[j];
                    const float magnitude = sqrtf(zr * zr + zi * zi);
                    numerator16[16 * k + j] += ht[16 * k + j] * magnitude;
                    const float inverse = magnitude > 0 ? 1 / magnitude : 0;
                    pt[32 * k + j] = magnitude > 0 ? zr * inverse : pr;
                    pt[32 * k + 16 + j] = magnitude > 0 ? zi * inverse : pi;
                }
            }
        }
        for (int k = 0; k < K; k++) {
            float n = 0;
            for (int j = 0; j < 16; j++) n += numerator16[16 * k + j];
            numerator[k] = n;
        }
        for (int k = 0; k < K; k++) {
            float d = 0;
            for (int b = 0; b < K; b++) d += gram[(size_t)k * K + b] * u[b];
            denominator[k] = d;
        }
        for (int k = 0; k < K; k++) {
            const float power = powf(u[k], sparsity - 1);
            cost += 2 * lambda * u[k] * power;
            const float d = denominator[k] + lambda * sparsity * power;
            const float updated = d > 0 ? u[k] * numerator[k] / d : 0;
            u[k] = updated > 1e-30f ? updated : 1e-30f;
        }
    }
    for (int f = 0; f < F; f++) {
        const int tile = f / 16, lane = f % 16;
        for (int k = 0; k < K; k++) {
            p[(size_t)2 * (K * f + k)] = p16[((size_t)tile * K + k) * 32 + lane];
            p[(size_t)2 * (K * f + k) + 1] = p16[((size_t)tile * K + k) * 32 + 16 + lane];
        }
    }
    return cost;
}

static int compare(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 7 || (strcmp(argv[1], "natural") != 0 && strcmp(argv[1], "tiled") != 0)) {
        fprintf(stderr, "usage: %s natural|tiled BINS COMPONENTS FRAMES ITERATIONS REPEATS\n", argv[0]);
        return 2;
    }
    const int tiled = strcmp(argv[1], "tiled") == 0;
    const int F = atoi(argv[2]), K = atoi(argv[3]), T = atoi(argv[4]), iterations = atoi(argv[5]), repeats = atoi(argv[6]);
    const int tiles = (F + 15) / 16;
    float *h16 = calloc((size_t)tiles * K * 16, sizeof(float)), *p16 = malloc(sizeof(float) * 32 * (size_t)K * tiles);
    float *y16 = malloc(sizeof(float) * 32 * (size_t)tiles), *numerator16 = malloc(sizeof(float) * 16 * (size_t)K);
    float *h = malloc(sizeof(float) * F * K), *gram = malloc(sizeof(float) * K * K);
    float *y = malloc(sizeof(float) * 2 * F * T), *u0 = malloc(sizeof(float) * K * T), *u = malloc(sizeof(float) * K * T);
    float *p0 = malloc(sizeof(float) * 2 * (size_t)K * F * T), *p = malloc(sizeof(float) * 2 * (size_t)K * F * T);
    float *numerator = malloc(sizeof(float) * K), *denominator = malloc(sizeof(float) * K);
    for (int f = 0; f < F; f++) for (int k = 0; k < K; k++) h[(size_t)f * K + k] = (float)uniform();
    for (int f = 0; f < F; f++) for (int k = 0; k < K; k++) h16[((size_t)(f / 16) * K + k) * 16 + f % 16] = h[(size_t)f * K + k];
    for (int a = 0; a < K; a++) for (int b = 0; b < K; b++) {
        double g = 0;
        for (int f = 0; f < F; f++) g += (double)h[(size_t)f * K + a] * h[(size_t)f * K + b];
        gram[(size_t)a * K + b] = (float)g;
    }
    for (size_t i = 0; i < (size_t)2 * F * T; i++) y[i] = (float)(uniform() - 0.5);
    for (size_t i = 0; i < (size_t)K * T; i++) u0[i] = (float)uniform();
    for (size_t i = 0; i < (size_t)K * F * T; i++) {
        const double angle = 6.283185307179586 * uniform();
        p0[2 * i] = (float)cos(angle);
        p0[2 * i + 1] = (float)sin(angle);
    }
    double *seconds = malloc(sizeof(double) * repeats), cost = 0;
    for (int r = 0; r < repeats; r++) {
        memcpy(u, u0, sizeof(float) * K * T);
        memcpy(p, p0, sizeof(float) * 2 * (size_t)K * F * T);
        const double start = now();
        cost = 0;
        for (int t = 0; t < T; t++) {
            if (tiled) {
                cost += frame_tiled(F, K, iterations, h16, gram, y + (size_t)2 * F * t, u + (size_t)K * t, p + (size_t)2 * K * F * t,
                                    1e-3f, 1.2f, numerator, denominator, p16, y16, numerator16);
            } else {
                cost += frame(F, K, iterations, h, gram, y + (size_t)2 * F * t, u + (size_t)K * t, p + (size_t)2 * K * F * t,
                              1e-3f, 1.2f, numerator, denominator);
            }
        }
        seconds[r] = now() - start;
    }
    qsort(seconds, repeats, sizeof(double), compare);
    printf("seconds %.6f cost %.6g\n", seconds[repeats / 2], cost);
    return 0;
}
