#include <fftw3.h>

/// `fftwf_version` ("fftw-3.3.10-sse2-avx" …): Swift cannot import an array of unknown size.
static inline const char *cnmf_fftwf_version(void) { return fftwf_version; }
