import ArgumentParser
import ComplexNMF

/// `cnmf resynth SPEC.npy -o out.wav`: inverse STFT of a complex spectrogram to audio.
struct ResynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resynth",
        abstract: "Invert a complex [bins × frames] spectrogram .npy to audio.",
        discussion: """
            Reads the sidecar next to SPEC (spec.npy → spec.json) when present; otherwise \
            --sample-rate is required and --n-fft (default 2 × (bins − 1)), --hop (default 512), \
            --window and --length (default hop × (frames − 1)) describe the STFT. Explicit flags \
            that disagree with the sidecar are an error. A [channels × bins × frames] array gives \
            a multichannel file. Inverse as librosa.istft(S, length=...).
            """
    )

    @Argument(help: "Complex spectrogram .npy, [bins × frames] or [channels × bins × frames] (e.g. reconst.npy).")
    var spectrogram: String

    @Option(name: [.short, .customLong("output")], help: "Output audio path (.wav, .flac, .aiff or .ogg).")
    var output: String = "resynth.wav"

    @Option(parsing: .unconditional, help: "Sample rate in Hz (required without a sidecar).")
    var sampleRate: Int?

    @OptionGroup var stft: STFTOptions

    @Option(parsing: .unconditional, help: "Output length in samples per channel (default: from the sidecar, else hop × (frames − 1)).")
    var length: Int?

    @Flag(name: .customLong("float"), help: "Write 32-bit float samples instead of 16-bit PCM.")
    var floatSamples = false

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores for long inputs).")
    var threads: Int?

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if let sampleRate, sampleRate <= 0 { throw ValidationError("--sample-rate must be positive, not \(sampleRate).") }
        if let length, length < 0 { throw ValidationError("--length must be 0 or more samples, not \(length).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads).") }
        if AudioContainer(path: output) == nil { throw ValidationError("--output must end in .wav, .flac, .aiff or .ogg, not '\(output)'.") }
    }

    func run() throws {
        try reportingErrors {
            try checkCanWrite(output, overwrite: outputOptions.overwrite)
            // Frames are read from the file by the workers as they need them (no whole-array load).
            let file = try SpectrogramFile(path: spectrogram)
            let bins = file.binCount, frames = file.frameCount
            let sidecar = try SpectrogramSidecar.read(forArray: spectrogram)

            var config: STFTConfiguration
            let rate: Int
            var samples: Int
            if let sidecar {
                config = sidecar.configuration
                try agree("--n-fft", stft.fftSize, sidecar.fftSize)
                try agree("--hop", stft.hopLength, sidecar.hopLength)
                try agree("--sample-rate", sampleRate, sidecar.sampleRate)
                if let window = stft.window, window != sidecar.window {
                    throw ComplexNMFError.invalidParameter(name: "--window", value: window.rawValue, expectation: "the sidecar '\(SpectrogramSidecar.path(forArray: spectrogram))' says \(sidecar.window.rawValue); drop the flag or fix the sidecar")
                }
                rate = sidecar.sampleRate
                samples = sidecar.length
            } else {
                guard let sampleRate else {
                    throw ComplexNMFError.invalidParameter(name: "--sample-rate", value: "missing", expectation: "'\(spectrogram)' has no sidecar JSON, so give the sample rate in Hz")
                }
                rate = sampleRate
                config = try stft.configuration(over: STFTConfiguration(fftSize: stft.fftSize ?? 2 * (bins - 1)))
                samples = config.hopLength * max(0, frames - 1)
            }
            if let length { samples = length }
            guard config.binCount == bins else {
                throw ComplexNMFError.shapeMismatch(what: "'\(spectrogram)' bins", expected: "\(config.binCount) (n_fft \(config.fftSize))", actual: "\(bins)", hint: "was it computed with n_fft \(2 * (bins - 1))? Pass --n-fft \(2 * (bins - 1))")
            }
            if let sidecar, sidecar.channels != file.channelCount {
                throw ComplexNMFError.shapeMismatch(what: "channels in '\(spectrogram)'", expected: "\(sidecar.channels) (sidecar)", actual: "\(file.channelCount)", hint: "the sidecar does not belong to this array")
            }
            if !file.scalarType.isComplex && !outputOptions.quiet {
                printError("note: '\(spectrogram)' is real (\(file.scalarType.rawValue)); inverting it with zero phase")
            }
            let transform = try ShortTimeFourierTransform(configuration: config)
            let channels = try transform.inverse(file, length: samples, threadCount: threads)
            let clipped = try AudioFile.write(AudioSignal(sampleRate: rate, channels: channels), to: output,
                                              encoding: floatSamples ? .float32 : .pcm16)
            if !outputOptions.quiet {
                printError("wrote \(output): \(channels.count) channel(s), \(samples) samples at \(rate) Hz")
                if clipped > 0 { printError("warning: \(clipped) samples were outside [-1, 1) and clipped; use --float to keep them") }
            }
        }
    }

    /// Fails when an explicit flag disagrees with the sidecar's value.
    private func agree(_ flag: String, _ given: Int?, _ recorded: Int) throws {
        if let given, given != recorded {
            throw ComplexNMFError.invalidParameter(name: flag, value: "\(given)", expectation: "the sidecar '\(SpectrogramSidecar.path(forArray: spectrogram))' says \(recorded); drop the flag or fix the sidecar")
        }
    }
}
