// Plain-C loops of the Euclidean NMF kernel, for any CPU. Same layouts and the same order of
// every sum over components as the AVX-512 loops (bnmf_euclid_avx512.c), Hᵀv all in double;
// the reciprocal is an exact division. The loops themselves are in bnmf_euclid_portable_body.h,
// which bnmf_avx2.c compiles again for AVX2 + FMA.
#include "bnmf_internal.h"

#include <string.h>

#define BNMF_EUCLID_PORTABLE_TABLE bnmf_euclid_portable_kernels
#if defined(__x86_64__) && !defined(__AVX__)
// Baseline x86-64 has 16 vector registers of 4 floats: 2 rows × 16 frames of accumulators.
#define GRAM_ROWS 2
#endif
#include "bnmf_euclid_portable_body.h"
