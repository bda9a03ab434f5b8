import ArgumentParser
import ComplexNMF
import Foundation

extension SeparationMethod: ExpressibleByArgument {}
extension ComponentSignal: ExpressibleByArgument {}
extension SpectrumKind: ExpressibleByArgument {}

/// `cnmf separate AUDIO --basis basis.npy -o DIR`: one audio file per basis component (or group).
struct SeparateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "separate",
        abstract: "Separate a recording into one audio file per basis component (or group).",
        discussion: """
            decode → STFT (the basis's settings) → decomposition with the fixed basis → \
            per-component resynthesis → inverse STFT (exact input length) → audio files. \
            Streams blocks of frames: memory does not grow with the input's duration, and \
            results do not depend on --block-frames or --threads. Input at another sample \
            rate than the basis is resampled (libsoxr); outputs are at the basis rate and keep \
            the input's channels (each separated with the same basis) unless --mono.
            Default: NMF with the β = ½ divergence on the power spectrogram (squared templates) \
            and Wiener estimates refined by consistent Wiener filtering (chunks of 64 frames) — \
            the best measured, above both oracle masks on every test case (README); --method complex-nmf \
            gives Complex NMF with mixture-consistent (default) or model components.
            Writes into DIR: <label>.wav per component (or <group>.wav with --groups), \
            reconstruction.wav, spectrogram.npy (+ .json), basis_calc.npy, activation_calc.npy, \
            reconst.npy, cost.npy, phase_calc.npy (with --save-phase), learning_curve.png, \
            spectrograms.png, activations.png, report.json. Existing files are an error \
            unless --overwrite.
            """
    )

    @Argument(help: "Input recording (any format libsndfile reads).")
    var audio: String

    @Option(help: "Basis .npy [bins × components] (its sidecar basis.json gives labels and STFT settings).")
    var basis: String

    @Option(name: [.short, .customLong("output")], help: "Output directory (created if missing).")
    var outputDirectory: String = "separated"

    @Option(help: "Decomposition: nmf or complex-nmf.")
    var method: SeparationMethod = .nmf

    @Option(parsing: .unconditional, help: "Iterations per frame.")
    var iterations: Int = 100

    @Option(help: "Component signals: consistent (sum to the input), model (H·U·P, sum to the reconstruction) or mask (Wiener-like, mixture phase; the only kind for nmf). (default: consistent for complex-nmf, mask for nmf)")
    var components: ComponentSignal?

    @Option(help: "JSON file mapping output names to basis labels, e.g. {\"piano\": [\"C4\", \"E4\"]}.")
    var groups: String?

    @Flag(help: "Also write phase_calc.npy (8 · K · bins · frames bytes per channel).")
    var savePhase = false

    @OptionGroup var model: ComplexNMFOptions

    @Option(help: "NMF divergence: euclid, kl, beta0.5 or is.")
    var divergence: Divergence = .betaHalf

    @Option(help: "What NMF fits: power (|Y|² with squared templates, Wiener masks) or magnitude (|Y|, ratio masks). (default: power)")
    var spectrum: SpectrumKind?

    @Option(parsing: .unconditional, help: "Consistent Wiener filtering of NMF's outputs: most conjugate-gradient iterations per chunk (a solve over m outputs runs min(this, 40 / m)), 0 = plain Wiener masks (nmf only). (default: 20)")
    var consistencyIterations: Int?

    @Option(parsing: .unconditional, help: "Consistency weight relative to the model power (nmf only). (default: 10)")
    var consistencyWeight: Double?

    @Option(parsing: .unconditional, help: "Frames per consistent-Wiener chunk; 8 more frames of context on each side (nmf only). (default: 64)")
    var consistencyChunk: Int?

    @Option(parsing: .unconditional, help: "At most this many outputs, the loudest of each chunk, are refined by consistent Wiener filtering; the rest keep their Wiener masks (nmf only). (default: 8)")
    var consistencyOutputs: Int?

    @Option(help: "Seed of the initial activations (and phase perturbation).")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(parsing: .unconditional, help: "Frames decomposed per block (memory vs. overhead). Results do not depend on it.")
    var blockFrames: Int = 64

    @Flag(help: "Downmix the input to mono first.")
    var mono = false

    @Flag(name: .customLong("float"), help: "Write 32-bit float WAVs instead of 16-bit PCM.")
    var floatSamples = false

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if iterations < 1 { throw ValidationError("--iterations must be at least 1, not \(iterations).") }
        if blockFrames < 1 { throw ValidationError("--block-frames must be at least 1, not \(blockFrames).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads).") }
        if method == .nmf, let components, components != .mask { throw ValidationError("--method nmf has no phases: its components are masks (drop --components or use --method complex-nmf).") }
        if method == .complexNMF, components == .mask { throw ValidationError("--components mask goes with --method nmf.") }
        if let consistencyIterations, consistencyIterations < 0 { throw ValidationError("--consistency-iterations must be 0 (off) or more, not \(consistencyIterations).") }
        if let consistencyWeight, !(consistencyWeight.isFinite && consistencyWeight > 0) { throw ValidationError("--consistency-weight must be a finite number above 0, not \(consistencyWeight).") }
        if let consistencyChunk, consistencyChunk < 1 { throw ValidationError("--consistency-chunk must be at least 1 frame, not \(consistencyChunk).") }
        if let consistencyOutputs, consistencyOutputs < 2 { throw ValidationError("--consistency-outputs must be at least 2, not \(consistencyOutputs).") }
        if method == .complexNMF, consistencyIterations != nil || consistencyWeight != nil || consistencyChunk != nil || consistencyOutputs != nil {
            throw ValidationError("--consistency-iterations, --consistency-weight, --consistency-chunk and --consistency-outputs go with --method nmf (Complex NMF's consistent components already sum to the input).")
        }
        if method == .complexNMF, spectrum != nil { throw ValidationError("--spectrum goes with --method nmf (Complex NMF models the complex spectrogram).") }
    }

    func run() throws {
        try reportingErrors {
            let (basis, note) = try Basis.read(contentsOf: self.basis)
            if let note, !outputOptions.quiet { printError(note) }
            let outputGroups = try groups.map { try OutputGroups.read(contentsOf: $0, labels: basis.labels) }

            var config = SeparationConfiguration()
            config.method = method
            config.componentSignal = components ?? (method == .nmf ? .mask : .consistent)
            config.iterations = iterations
            config.sparsity = model.sparsity
            config.lambda = model.lambda
            config.phaseJitter = model.phaseJitter
            config.divergence = divergence
            config.spectrum = spectrum ?? .power
            if let consistencyIterations { config.consistency.iterations = consistencyIterations }
            if let consistencyWeight { config.consistency.relativeWeight = consistencyWeight }
            if let consistencyChunk { config.consistency.chunkFrames = consistencyChunk }
            if let consistencyOutputs { config.consistency.maximumActiveOutputs = consistencyOutputs }
            config.seed = seed
            config.blockFrames = blockFrames
            if let threads { config.threadCount = threads }
            config.mono = mono
            let pipeline = try SeparationPipeline(basis: basis, configuration: config, groups: outputGroups)

            // Validate the input and the output directory before any work.
            let probe = try AudioFileReader(path: audio)
            try OutputDirectory.prepare(outputDirectory)
            let names = FileSeparationSink.fileNames(outputNames: pipeline.groups.names, savePhase: savePhase)
            try OutputDirectory.checkNoneExist(names, in: outputDirectory, overwrite: outputOptions.overwrite)
            // Every output before any work: WAVs (one per output + reconstruction) and the .npy files.
            let bins = basis.sidecar.configuration.binCount
            let channels = mono ? 1 : probe.channelCount
            let rate = pipeline.outputSampleRate(inputRate: probe.sampleRate)
            let samples = Int((Double(probe.frameCount) * Double(rate) / Double(probe.sampleRate)).rounded(.up))
            let frames = basis.sidecar.configuration.frameCount(sampleCount: samples)
            let wavBytes = (pipeline.groups.names.count + 1) * samples * channels * (floatSamples ? 4 : 2)
            let npyBytes = channels * frames * (2 * 8 * bins + 4 * basis.componentCount)
            let phaseBytes = savePhase ? 8 * basis.componentCount * bins * frames * channels : 0
            try DiskBudget.check(bytes: wavBytes + npyBytes + phaseBytes, directory: outputDirectory,
                                 what: "the outputs" + (savePhase ? " (phase_calc.npy alone \(MemoryBudget.formatBytes(phaseBytes)))" : ""),
                                 suggestion: savePhase ? "drop --save-phase, free space or choose another -o" : "free space or choose another -o")

            let sink = FileSeparationSink(directory: outputDirectory, encoding: floatSamples ? .float32 : .pcm16,
                                          savePhase: savePhase, inputDescription: audio)
            sink.threadCount = config.threadCount
            let bar = ProgressBar(label: "separate", quiet: outputOptions.quiet)
            let summary = try pipeline.run(inputPath: audio, sink: sink, notes: { if !outputOptions.quiet { printError($0) } }) {
                bar.update(IterationProgress(iteration: $0.completed, maximumIterations: $0.total, cost: .nan))
            }
            bar.finish()
            if !outputOptions.quiet {
                if sink.clippedSamples > 0 { printError("warning: \(sink.clippedSamples) samples were outside [-1, 1) and clipped; use --float to keep them") }
                printError(String(format: "separate: %d outputs (%@) in %@, %d iterations, final cost %.6g, %.1f s, peak memory %.0f MiB",
                                  pipeline.groups.names.count, pipeline.groups.names.joined(separator: ", "), outputDirectory,
                                  summary.iterations, summary.cost.last ?? .nan, summary.seconds, Double(PeakMemory.residentBytes) / 1_048_576))
            }
        }
    }
}
