// The passes of CResynthesisKernel.h, compiled three times: for AVX-512, for AVX2 (through
// function attributes) and for the baseline; each call picks one by cnmf_level_resolve (no ifunc
// resolvers, which sanitizers cannot run).
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

/// Each pass for one build: `prefix` a target attribute (or nothing), `suffix` the name's.
#define RS_PASSES(prefix, suffix)                                                                                    \
    prefix static void apply_share_##suffix(int bins, float *restrict model, const float *restrict inverse_total,   \
                                            const float *restrict silent, float silent_share,                      \
                                            const float *restrict source, float *restrict target, int accumulate)  \
        RS_BODY                                                                                                      \
    prefix static void overlap_add_##suffix(int count, float *restrict target, const float *restrict source,        \
                                            float scale, const float *restrict window) RS_OVERLAP_ADD_BODY           \
    prefix static void add_scaled_##suffix(int count, float *restrict target, const float *restrict column,         \
                                           float scale) RS_ADD_SCALED_BODY                                          \
    prefix static void add_scaled_double_##suffix(int count, double *restrict target, const float *restrict column, \
                                                  double scale) RS_ADD_SCALED_DOUBLE_BODY

#if defined(__x86_64__)
RS_PASSES(__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2"))), avx512)
RS_PASSES(__attribute__((target("avx2,fma"))), avx2)
#endif
RS_PASSES(, portable)


void rs_overlap_add(cnmf_level level, int count, float *target, const float *source, float scale, const float *window) {
    CNMF_DISPATCH(level, overlap_add, count, target, source, scale, window);
}

void rs_apply_share(cnmf_level level, int bins, float *model, const float *inverse_total, const float *silent, float silent_share,
                    const float *source, float *target, int accumulate) {
    CNMF_DISPATCH(level, apply_share, bins, model, inverse_total, silent, silent_share, source, target, accumulate);
}

void rs_add_scaled(cnmf_level level, int count, float *target, const float *column, float scale) {
    CNMF_DISPATCH(level, add_scaled, count, target, column, scale);
}

void rs_add_scaled_double(cnmf_level level, int count, double *target, const float *column, double scale) {
    CNMF_DISPATCH(level, add_scaled_double, count, target, column, scale);
}
