// The plain-C loops of bnmf_portable_body.h and bnmf_euclid_portable_body.h compiled for
// AVX2 + FMA (x86-64-v3), for CPUs that have them but not AVX-512: the compiler vectorises the
// lane loops 8 floats wide and fuses their a·b + c. Exact square root, division and log as in
// the portable loops; the results differ from theirs only by the fused roundings. Chosen at
// run time (bnmf_plan.c), so the package needs no compiler flags.
#include "bnmf_internal.h"

#if defined(__x86_64__)

#include <math.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define BNMF_PORTABLE_TABLE bnmf_avx2_kernels
#include "bnmf_portable_body.h"
#define BNMF_EUCLID_PORTABLE_TABLE bnmf_euclid_avx2_kernels
#include "bnmf_euclid_portable_body.h"
#pragma clang attribute pop

#endif
