import CFFTW

/// The FFTW wisdom the package ships (`FFTWisdom+Shipped.swift`, made by
/// `scripts/make_fftw_wisdom.py`): for each power-of-two transform size, the FFTW_PATIENT plans
/// of the r2c and c2r problems `FFTPlan` makes. Those plans were 1.1–1.9× faster per transform
/// than FFTW_ESTIMATE's on the development machine (README, "Performance").
///
/// FFTW_MEASURE and FFTW_PATIENT pick their algorithm by timing at run time, so two runs could
/// get different plans and round differently. Planning from shipped wisdom with
/// `FFTW_WISDOM_ONLY` times nothing: every run on a given CPU and library gets the same plan.
/// Wisdom is imported only when the library's `fftwf_version` is the one it was made with, one
/// size at a time, just before that size is planned. FFTW keeps wisdom per process, so other
/// FFTW users in the same process may plan from it too (it only ever names plans FFTW made).
/// Not thread-safe: call with `FFTPlan`'s planner lock held.
enum FFTWisdom {
    /// Sizes whose shipped wisdom has been offered to FFTW in this process (accepted or not).
    nonisolated(unsafe) private static var offered: [Int: Bool] = [:]

    /// Whether this process's FFTW is the library the shipped wisdom was made with.
    static var matchesLibrary: Bool {
        String(cString: cnmf_fftwf_version()) == shippedLibraryVersion
    }

    /// Imports the shipped wisdom of `size` once; returns whether FFTW holds it (false for
    /// sizes without shipped wisdom, another library version, or wisdom FFTW refused).
    static func importShipped(size: Int) -> Bool {
        if let accepted = offered[size] { return accepted }
        var accepted = false
        if matchesLibrary, let wisdom = shipped[size] {
            accepted = fftwf_import_wisdom_from_string(wisdom) != 0
        }
        offered[size] = accepted
        return accepted
    }
}
