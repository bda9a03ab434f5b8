// Run-time choice of the kernels' instruction-set level; see include/CInstructionSet.h.
#include "CInstructionSet.h"

#include <stdlib.h>
#include <strings.h>

/// Levels found at the first call; 0 until then. Computing them twice (two threads at once)
/// gives the same values, so a plain atomic store suffices.
static _Atomic int supported_level = 0;
static _Atomic int requested_level = -1;

cnmf_level cnmf_level_supported(void) {
    int level = supported_level;
    if (level == 0) {
        level = CNMF_LEVEL_PORTABLE;
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = CNMF_LEVEL_AVX2;
        // The AVX-512 loops use F, DQ, VL and BW (every AVX-512 CPU since Skylake-SP).
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512bw")) {
            level = CNMF_LEVEL_AVX512;
        }
#endif
        supported_level = level;
    }
    return (cnmf_level)level;
}

cnmf_level cnmf_level_parse(const char *name) {
    if (!name) return CNMF_LEVEL_AUTOMATIC;
    if (strcasecmp(name, "portable") == 0) return CNMF_LEVEL_PORTABLE;
    if (strcasecmp(name, "avx2") == 0) return CNMF_LEVEL_AVX2;
    if (strcasecmp(name, "avx512") == 0) return CNMF_LEVEL_AVX512;
    return CNMF_LEVEL_AUTOMATIC;
}

cnmf_level cnmf_level_requested(void) {
    int level = requested_level;
    if (level < 0) {
        level = (int)cnmf_level_parse(getenv("CNMF_INSTRUCTION_SET"));
        requested_level = level;
    }
    return (cnmf_level)level;
}

cnmf_level cnmf_level_resolve(cnmf_level requested) {
    const cnmf_level supported = cnmf_level_supported();
    if (requested == CNMF_LEVEL_AUTOMATIC) requested = cnmf_level_requested();
    if (requested == CNMF_LEVEL_AUTOMATIC || requested > supported) return supported;
    return requested;
}
