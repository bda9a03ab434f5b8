// Element-wise passes of the consistent Wiener solver; see include/CConsistentWienerKernel.h.
// The bodies (cw_kernel_body.h) are compiled twice, for AVX-512 and for the baseline, and each
// call picks one with __builtin_cpu_supports (no ifunc resolvers, which sanitizers cannot run).
#include "CConsistentWienerKernel.h"

#define LANES 16

#if defined(__x86_64__)
#define CW_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#define CW_NAME(name) name##_avx512
#include "cw_kernel_body.h"
#undef CW_TARGET
#undef CW_NAME
static int cw_has_avx512(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}
#define CW_DISPATCH(name, ...) do { if (cw_has_avx512()) name##_avx512(__VA_ARGS__); else name##_portable(__VA_ARGS__); } while (0)
#else
#define CW_DISPATCH(name, ...) name##_portable(__VA_ARGS__)
#endif

#define CW_TARGET
#define CW_NAME(name) name##_portable
#include "cw_kernel_body.h"
#undef CW_TARGET
#undef CW_NAME

void cw_apply_operator(int outputs, int bins, size_t stride, int first, int last,
                       const float *x, float *out, const float *inverse_power, float gamma,
                       const float *bin_weight, double *frame_sums) {
    CW_DISPATCH(apply_operator, outputs, bins, stride, first, last, x, out, inverse_power, gamma, bin_weight, frame_sums);
}

void cw_step_and_project(int outputs, int bins, size_t stride, int first, int last,
                         int step, float alpha, float *s, const float *p, float *q, float *r,
                         const float *weight, const float *bin_weight, float *scratch, double *frame_sums) {
    CW_DISPATCH(step_and_project, outputs, bins, stride, first, last, step, alpha, s, p, q, r, weight, bin_weight, scratch, frame_sums);
}

void cw_update_direction(int outputs, int bins, size_t stride, int first, int last,
                         float beta, float *p, const float *z) {
    CW_DISPATCH(update_direction, outputs, bins, stride, first, last, beta, p, z);
}

void cw_restore_sum(int outputs, int bins, size_t stride, int first, int last,
                    float *s, const float *weight, const float *fixed, float *scratch) {
    CW_DISPATCH(restore_sum, outputs, bins, stride, first, last, s, weight, fixed, scratch);
}
