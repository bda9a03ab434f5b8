// The plain-C loops of cnmf_portable_body.h compiled for AVX2 + FMA (x86-64-v3), for CPUs
// that have them but not AVX-512: the compiler vectorises the lane loops 8 floats wide and
// fuses their a·b + c, ≈ 2× the baseline build (SSE2) on the general sweep. Exact square
// root and division as in the portable loops; the results differ from theirs only by the
// fused roundings and by U^(p−1), which this build computes with the AVX-512 loops' series
// (series_power) instead of libm's pow. Chosen at run time (cnmf_plan.c), so the package
// needs no compiler flags.
#include "cnmf_internal.h"

#if defined(__x86_64__)

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define CNMF_PORTABLE_TABLE cnmf_avx2_kernels
#define CNMF_SERIES_POWERS 1  // U^(p−1) as the AVX-512 loops compute it, 4 lanes at a time
#include "cnmf_portable_body.h"
#pragma clang attribute pop

#endif
