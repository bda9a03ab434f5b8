// Plain-C loops of the Complex NMF kernel, for any CPU (exact square root and division).
// Same layout and the same order of every sum as the AVX-512 loops; written lane-wise so the
// compiler can vectorise them for whatever the target offers (a·b + c is fused only where the
// target has FMA; fmaf would be a slow library call elsewhere). The loops themselves are in
// cnmf_portable_body.h, which cnmf_avx2.c compiles again for AVX2 + FMA.
#include "cnmf_internal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CNMF_PORTABLE_TABLE cnmf_portable_kernels
#if defined(__x86_64__) && !defined(__AVX__)
// Baseline x86-64 has 16 vector registers of 2 doubles: 2 vectors × 8 rows of accumulators.
#define GRAM_FRAMES 2
#endif
#include "cnmf_portable_body.h"
