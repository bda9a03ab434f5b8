// Element-wise passes of the consistent Wiener solver; see include/CConsistentWienerKernel.h.
// The bodies (cw_kernel_body.h) are compiled three times, for AVX-512, for AVX2 + FMA and for
// the baseline, and each call picks one by cnmf_level_resolve (no ifunc resolvers, which
// sanitizers cannot run).
#include "CConsistentWienerKernel.h"

#define LANES 16

#if defined(__x86_64__)
#define CW_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#define CW_NAME(name) name##_avx512
#include "cw_kernel_body.h"
#undef CW_TARGET
#undef CW_NAME
#define CW_TARGET __attribute__((target("avx2,fma")))
#define CW_NAME(name) name##_avx2
#include "cw_kernel_body.h"
#undef CW_TARGET
#undef CW_NAME
#endif

#define CW_TARGET
#define CW_NAME(name) name##_portable
#include "cw_kernel_body.h"
#undef CW_TARGET
#undef CW_NAME


void cw_apply_operator(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                       const float *x, float *out, const float *inverse_power, float gamma,
                       const float *bin_weight, double *frame_sums) {
    CNMF_DISPATCH(level, apply_operator, outputs, bins, stride, first, last, x, out, inverse_power, gamma, bin_weight, frame_sums);
}

void cw_step_and_project(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                         int step, float alpha, float *s, const float *p, float *q, float *r,
                         const float *weight, const float *bin_weight, float *scratch, double *frame_sums) {
    CNMF_DISPATCH(level, step_and_project, outputs, bins, stride, first, last, step, alpha, s, p, q, r, weight, bin_weight, scratch,
                frame_sums);
}

void cw_update_direction(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                         float beta, float *p, const float *z) {
    CNMF_DISPATCH(level, update_direction, outputs, bins, stride, first, last, beta, p, z);
}

void cw_restore_sum(cnmf_level level, int outputs, int bins, size_t stride, int first, int last,
                    float *s, const float *weight, const float *fixed, float *scratch) {
    CNMF_DISPATCH(level, restore_sum, outputs, bins, stride, first, last, s, weight, fixed, scratch);
}
