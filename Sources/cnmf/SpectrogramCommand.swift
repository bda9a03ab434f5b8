import ArgumentParser
import ComplexNMF

/// `cnmf spectrogram AUDIO -o spec.npy`: the complex STFT of an audio file as numpy `.npy`.
struct SpectrogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrogram",
        abstract: "Write the complex STFT of an audio file as .npy (+ a JSON sidecar).",
        discussion: """
            Matches librosa.stft(y, n_fft, hop_length, window, center=True) on the file loaded \
            at its native rate. Output shape [bins × frames] (bins = n-fft/2 + 1, \
            frames = 1 + samples/hop), or [channels × bins × frames] for multichannel input \
            unless --mono or --channel is given; Fortran order like librosa. The sidecar \
            (spec.npy → spec.json) records sample_rate, n_fft, hop_length, window, center, length, \
            channels and source so that `resynth` needs no flags.
            """
    )

    enum Precision: String, ExpressibleByArgument, CaseIterable { case complex64, complex128 }

    @Argument(help: "Input audio (any format libsndfile reads: WAV, FLAC, OGG, AIFF, …).")
    var audio: String

    @Option(name: [.short, .customLong("output")], help: "Output .npy path.")
    var output: String = "spectrogram.npy"

    @OptionGroup var stft: STFTOptions

    @Option(parsing: .unconditional, help: "Analyse only this channel (0 = first).")
    var channel: Int?

    @Flag(help: "Downmix all channels to mono (their average) before analysis.")
    var mono = false

    @Option(help: "Element type of the .npy: complex64 (as librosa) or complex128. (default: complex64)")
    var dtype: Precision = .complex64

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores for long inputs). Results do not depend on it.")
    var threads: Int?

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if mono && channel != nil { throw ValidationError("--mono and --channel exclude each other.") }
        if let channel, channel < 0 { throw ValidationError("--channel must be 0 or more (0 = first channel), not \(channel).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads).") }
        if !output.hasSuffix(".npy") { throw ValidationError("--output must end in .npy, not '\(output)'.") }
    }

    func run() throws {
        try reportingErrors {
            let config = try stft.configuration()
            try checkCanWrite(output, overwrite: outputOptions.overwrite)
            let sidecarPath = SpectrogramSidecar.path(forArray: output)
            try checkCanWrite(sidecarPath, overwrite: outputOptions.overwrite)

            let signal = try AudioFile.read(audio)
            let channels: [[Float]]
            if mono {
                channels = [signal.downmixed()]
            } else if let channel {
                guard channel < signal.channelCount else {
                    throw ComplexNMFError.invalidParameter(name: "--channel", value: "\(channel)", expectation: "'\(audio)' has \(signal.channelCount) channel(s): use 0…\(signal.channelCount - 1)")
                }
                channels = [signal.channels[channel]]
            } else {
                channels = signal.channels
            }
            let transform = try ShortTimeFourierTransform(configuration: config)
            let scalarType: NPYScalarType = dtype == .complex64 ? .complex64 : .complex128
            // Transformed and written block by block on all cores: the spectrogram is never held whole.
            let shape = try transform.writeSpectrogram(of: channels, to: output, scalarType: scalarType, threadCount: threads)
            try SpectrogramSidecar(configuration: config, sampleRate: signal.sampleRate, length: signal.frameCount,
                                   channels: channels.count, source: audio).write(forArray: output)
            if !outputOptions.quiet {
                printError("wrote \(output) \(shape) \(scalarType.rawValue) and \(sidecarPath) (\(signal.frameCount) samples at \(signal.sampleRate) Hz, n_fft \(config.fftSize), hop \(config.hopLength), \(config.window.rawValue))")
            }
        }
    }
}
