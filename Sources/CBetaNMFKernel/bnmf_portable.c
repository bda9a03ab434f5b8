// Plain-C loops of the β-divergence NMF kernel, for any CPU (exact square root, division and
// log). Same layouts and the same order of every sum as the AVX-512 loops; written lane-wise so
// the compiler can vectorise them for whatever the target offers. The loops themselves are in
// bnmf_portable_body.h, which bnmf_avx2.c compiles again for AVX2 + FMA.
#include "bnmf_internal.h"

#include <math.h>
#include <string.h>

#define BNMF_PORTABLE_TABLE bnmf_portable_kernels
#include "bnmf_portable_body.h"
