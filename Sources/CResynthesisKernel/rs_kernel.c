// The passes of CResynthesisKernel.h, compiled twice: for AVX-512 (through a function attribute)
// and for the baseline; each call picks one with __builtin_cpu_supports (no ifunc resolvers,
// which sanitizers cannot run).
#include "CResynthesisKernel.h"

#pragma clang fp contract(off)

#define RS_BODY                                                                                  \
    {                                                                                            \
        for (int f = 0; f < bins; f++) model[f] = model[f] * inverse_total[f] + silent[f] * silent_share; \
        if (accumulate) {                                                                        \
            for (int f = 0; f < bins; f++) {                                                     \
                target[2 * f] += model[f] * source[2 * f];                                       \
                target[2 * f + 1] += model[f] * source[2 * f + 1];                               \
            }                                                                                    \
        } else {                                                                                 \
            for (int f = 0; f < bins; f++) {                                                     \
                target[2 * f] = model[f] * source[2 * f];                                        \
                target[2 * f + 1] = model[f] * source[2 * f + 1];                                \
            }                                                                                    \
        }                                                                                        \
    }

#define RS_OVERLAP_ADD_BODY { for (int j = 0; j < count; j++) target[j] += source[j] * scale * window[j]; }

#define RS_ADD_SCALED_BODY { for (int f = 0; f < count; f++) target[f] += column[f] * scale; }
#define RS_ADD_SCALED_DOUBLE_BODY { for (int f = 0; f < count; f++) target[f] += (double)column[f] * scale; }

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2")))
static void add_scaled_avx512(int count, float *restrict target, const float *restrict column, float scale) RS_ADD_SCALED_BODY

__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2")))
static void add_scaled_double_avx512(int count, double *restrict target, const float *restrict column,
                                     double scale) RS_ADD_SCALED_DOUBLE_BODY

__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2")))
static void overlap_add_avx512(int count, float *restrict target, const float *restrict source, float scale,
                               const float *restrict window) RS_OVERLAP_ADD_BODY

__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2")))
static void apply_share_avx512(int bins, float *restrict model, const float *restrict inverse_total,
                               const float *restrict silent, float silent_share, const float *restrict source,
                               float *restrict target, int accumulate) RS_BODY

static int has_avx512(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}
#endif

static void apply_share_baseline(int bins, float *restrict model, const float *restrict inverse_total,
                                 const float *restrict silent, float silent_share, const float *restrict source,
                                 float *restrict target, int accumulate) RS_BODY

static void add_scaled_baseline(int count, float *restrict target, const float *restrict column, float scale) RS_ADD_SCALED_BODY

static void add_scaled_double_baseline(int count, double *restrict target, const float *restrict column,
                                       double scale) RS_ADD_SCALED_DOUBLE_BODY

static void overlap_add_baseline(int count, float *restrict target, const float *restrict source, float scale,
                                 const float *restrict window) RS_OVERLAP_ADD_BODY

/// Calls name_avx512(...) where the CPU has AVX-512, name_baseline(...) elsewhere.
#if defined(__x86_64__)
#define RS_DISPATCH(name, ...)                                          \
    do {                                                                \
        if (has_avx512()) name##_avx512(__VA_ARGS__);                   \
        else name##_baseline(__VA_ARGS__);                              \
    } while (0)
#else
#define RS_DISPATCH(name, ...) name##_baseline(__VA_ARGS__)
#endif

void rs_overlap_add(int count, float *target, const float *source, float scale, const float *window) {
    RS_DISPATCH(overlap_add, count, target, source, scale, window);
}

void rs_apply_share(int bins, float *model, const float *inverse_total, const float *silent, float silent_share,
                    const float *source, float *target, int accumulate) {
    RS_DISPATCH(apply_share, bins, model, inverse_total, silent, silent_share, source, target, accumulate);
}

void rs_add_scaled(int count, float *target, const float *column, float scale) {
    RS_DISPATCH(add_scaled, count, target, column, scale);
}

void rs_add_scaled_double(int count, double *target, const float *column, double scale) {
    RS_DISPATCH(add_scaled_double, count, target, column, scale);
}
