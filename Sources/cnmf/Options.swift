import ArgumentParser
import ComplexNMF

extension WindowFunction: ExpressibleByArgument {}

/// STFT flags shared by the commands that analyse or synthesise audio.
struct STFTOptions: ParsableArguments {
    @Option(name: .customLong("n-fft"), parsing: .unconditional, help: "FFT length in samples (librosa n_fft); bins = n-fft/2 + 1. (default: 2048)")
    var fftSize: Int?

    @Option(name: .customLong("hop"), parsing: .unconditional, help: "Hop between frames in samples (librosa hop_length). (default: 512)")
    var hopLength: Int?

    @Option(help: "Analysis/synthesis window: hann or hamming (periodic). (default: hann)")
    var window: WindowFunction?

    /// The configuration: explicit flags over `base` (a sidecar's settings, or the defaults).
    func configuration(over base: STFTConfiguration = STFTConfiguration()) throws -> STFTConfiguration {
        var config = base
        if let fftSize { config.fftSize = fftSize }
        if let hopLength { config.hopLength = hopLength }
        if let window { config.window = window }
        try config.validate()
        return config
    }
}

/// Flags about where and how outputs are written.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Replace existing output files (by default an existing output is an error).")
    var overwrite = false

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false
}

/// Complex NMF model flags shared by `complex-nmf` and `separate`.
struct ComplexNMFOptions: ParsableArguments {
    @Option(name: .customLong("sparsity-p"), parsing: .unconditional, help: "Complex NMF sparsity exponent p of the penalty 2λΣU^p, in (0, 2).")
    var sparsity: Double = 1.2

    @Option(name: .customLong("lambda"), parsing: .unconditional, help: "Complex NMF penalty weight λ ≥ 0. (default: 1e-5 · Σ|Y|² / bins^(1 − p/2), the predecessor's rule, per channel)")
    var lambda: Double?

    @Option(name: .customLong("phase-jitter"), parsing: .unconditional, help: "Std. dev. in radians of a seeded perturbation of the initial phases (uses --seed).")
    var phaseJitter: Double = 0

    func validate() throws {
        if !(sparsity > 0 && sparsity < 2) { throw ValidationError("--sparsity-p must be in (0, 2), not \(sparsity).") }
        if let lambda, !(lambda.isFinite && lambda >= 0) { throw ValidationError("--lambda must be a finite value ≥ 0, not \(lambda).") }
        if !(phaseJitter.isFinite && phaseJitter >= 0) { throw ValidationError("--phase-jitter must be a finite angle ≥ 0 (radians), not \(phaseJitter).") }
    }
}
