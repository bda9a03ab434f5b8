#ifndef C_INSTRUCTION_SET_H
#define C_INSTRUCTION_SET_H

/// The builds of the C kernels' loops a process runs. Each kernel target (CBetaNMFKernel,
/// CComplexNMFKernel, CConsistentWienerKernel, CResynthesisKernel) compiles its loops for up to
/// three levels, through function attributes, and picks one at run time:
///
///     CNMF_LEVEL_PORTABLE   the plain loops built for any CPU of the architecture (x86-64: SSE2)
///     CNMF_LEVEL_AVX2       the same loops built for AVX2 + FMA (x86-64-v3: Haswell and later,
///                           AMD since Zen; every Intel client CPU since Alder Lake stops here)
///     CNMF_LEVEL_AVX512     the AVX-512 (F, DQ, VL, BW) loops
///
/// The automatic choice is the best level the CPU runs, capped by the environment variable
/// CNMF_INSTRUCTION_SET (`portable`, `avx2` or `avx512`, any case), which is read once per
/// process. An unknown value caps nothing; the `cnmf` command refuses it.
typedef enum {
    CNMF_LEVEL_AUTOMATIC = 0,
    CNMF_LEVEL_PORTABLE = 1,
    CNMF_LEVEL_AVX2 = 2,
    CNMF_LEVEL_AVX512 = 3
} cnmf_level;

/// The best level this CPU runs (CNMF_LEVEL_PORTABLE off x86-64).
cnmf_level cnmf_level_supported(void);

/// The level named `name` (`portable`, `avx2`, `avx512`, any case); CNMF_LEVEL_AUTOMATIC for
/// NULL, the empty string or any other name.
cnmf_level cnmf_level_parse(const char *name);

/// The level CNMF_INSTRUCTION_SET asks for (CNMF_LEVEL_AUTOMATIC when unset or unknown), as read
/// at the first call.
cnmf_level cnmf_level_requested(void);

/// What a kernel asked for `requested` runs: CNMF_LEVEL_AUTOMATIC gives the supported level
/// capped by the request of CNMF_INSTRUCTION_SET; any other level is capped by the supported one.
cnmf_level cnmf_level_resolve(cnmf_level requested);

/// Calls name##_avx512(...), name##_avx2(...) or name##_portable(...), the build
/// cnmf_level_resolve(level) picks (off x86-64 only name##_portable exists).
#if defined(__x86_64__)
#define CNMF_DISPATCH(level, name, ...)                                  \
    do {                                                                 \
        switch (cnmf_level_resolve(level)) {                             \
        case CNMF_LEVEL_AVX512: name##_avx512(__VA_ARGS__); break;       \
        case CNMF_LEVEL_AVX2: name##_avx2(__VA_ARGS__); break;           \
        default: name##_portable(__VA_ARGS__); break;                    \
        }                                                                \
    } while (0)
#else
#define CNMF_DISPATCH(level, name, ...) name##_portable(__VA_ARGS__)
#endif

#endif
