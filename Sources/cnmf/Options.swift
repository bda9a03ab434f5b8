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
