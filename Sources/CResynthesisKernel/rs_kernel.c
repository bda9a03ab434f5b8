// The passes of CResynthesisKernel.h, compiled three times: for AVX-512, for AVX2 (through
// function attributes) and for the baseline; each call picks one by cnmf_level_resolve (no ifunc
// resolvers, which sanitizers cannot run).
#include "CResynthesisKernel.h"

#include <stddef.h>
#include <string.h>

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

/// One sample to 16-bit PCM (see rs_pcm16), adding 1 to *clipped where it clips: branch-free, so
/// that the loops vectorise. Adding 1.5 · 2²³ to |x| ≤ 32 768 leaves no fraction bits: the sum
/// is rounded to nearest even, and its low 16 bits are the integer in two's complement.
static inline short pcm16_sample(float x, long long *clipped) {
    float scaled = x * 32768.0f;
    scaled = scaled == scaled ? scaled : 0.0f;  // NaN → 0
    // ±x.5 round to even, so −32 768.5 → −32 768 is not clipped.
    *clipped += (scaled >= 32767.5f) + (scaled < -32768.5f);
    const float limited = scaled < -32768.0f ? -32768.0f : (scaled > 32767.0f ? 32767.0f : scaled);
    const float shifted = limited + 12582912.0f;
    int bits;
    memcpy(&bits, &shifted, sizeof bits);
    return (short)bits;
}

#define RS_PCM16_BODY                                                                           \
    {                                                                                           \
        long long clipped = 0;                                                                  \
        if (channels == 1) {                                                                    \
            const float *restrict x = samples[0];                                               \
            for (int i = 0; i < frames; i++) out[i] = pcm16_sample(x[i], &clipped);             \
        } else if (channels == 2) {                                                             \
            const float *restrict left = samples[0], *restrict right = samples[1];              \
            for (int i = 0; i < frames; i++) {                                                  \
                out[2 * i] = pcm16_sample(left[i], &clipped);                                   \
                out[2 * i + 1] = pcm16_sample(right[i], &clipped);                              \
            }                                                                                   \
        } else {                                                                                \
            for (int c = 0; c < channels; c++) {                                                \
                const float *restrict x = samples[c];                                           \
                for (int i = 0; i < frames; i++) out[(size_t)i * channels + c] = pcm16_sample(x[i], &clipped); \
            }                                                                                   \
        }                                                                                       \
        return clipped;                                                                         \
    }

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
                                                  double scale) RS_ADD_SCALED_DOUBLE_BODY                           \
    prefix static long long pcm16_##suffix(int frames, int channels, const float *const *samples,                  \
                                           short *restrict out) RS_PCM16_BODY

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

long long rs_pcm16(cnmf_level level, int frames, int channels, const float *const *samples, short *out) {
    switch (cnmf_level_resolve(level)) {
#if defined(__x86_64__)
    case CNMF_LEVEL_AVX512: return pcm16_avx512(frames, channels, samples, out);
    case CNMF_LEVEL_AVX2: return pcm16_avx2(frames, channels, samples, out);
#endif
    default: return pcm16_portable(frames, channels, samples, out);
    }
}
