extension FFTPlan {
    /// Whether plans may come from the shipped wisdom (`FFTWisdom`); true unless a benchmark
    /// turns it off to time FFTW_ESTIMATE's plans (`cnmf-bench stft --plans estimate`). Set it
    /// before the process makes its first plan: plans already made keep their source.
    @_spi(Benchmarks) nonisolated(unsafe) public static var usesShippedWisdom = true
}
