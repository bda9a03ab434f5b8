import Foundation

/// Progress of a separation: frames done out of all frames (over all channels).
public struct SeparationProgress: Sendable {
    /// Frame-channels decomposed so far.
    public var completed: Int
    /// Frame-channels in total.
    public var total: Int
}

/// The separation chain: decoder → STFT → decomposition with the fixed basis →
/// component resynthesis → inverse STFT → sink, moved through in blocks of frames.
///
/// Because the basis is fixed, frames are independent: memory is bounded by one block
/// (`blockFrames`) whatever the input's duration, and results are identical for any block size
/// and thread count. NMF's Wiener outputs are then refined by consistent Wiener filtering
/// (`ConsistentWienerFilter`) in fixed chunks of frames (`ConsistencyChunker`), so outputs lag
/// the decomposition by up to one chunk and its margin; memory stays bounded by one chunk. Complex NMF's default λ needs `Σ|Y|²` of the whole input, computed in a
/// first streaming pass (decode + STFT only).
public final class SeparationPipeline {
    /// The fixed basis.
    public let basis: Basis
    /// The settings.
    public let configuration: SeparationConfiguration
    /// Output grouping.
    public let groups: OutputGroups
    private let transform: ShortTimeFourierTransform

    /// A pipeline for `basis` (its sidecar's STFT settings are used).
    /// - Throws: `ComplexNMFError.invalidParameter` for invalid settings.
    public init(basis: Basis, configuration: SeparationConfiguration = SeparationConfiguration(), groups: OutputGroups? = nil) throws {
        try configuration.validate()
        try BasisValidation.validate(basis.templates, path: "basis", spectrogramBins: basis.sidecar.configuration.binCount, spectrogramPath: "the basis sidecar")
        self.basis = basis
        self.configuration = configuration
        self.groups = groups ?? OutputGroups(labels: basis.labels)
        self.transform = try ShortTimeFourierTransform(configuration: basis.sidecar.configuration)
    }

    /// The sample rate outputs are written at: the basis's, or `inputRate` when the basis has none.
    public func outputSampleRate(inputRate: Int) -> Int { basis.sidecar.sampleRate ?? inputRate }

    /// Separates an audio file.
    /// - Parameter notes: receives one-line notices (e.g. resampling) for stderr.
    public func run(inputPath: String, sink: SeparationSink, notes: (String) -> Void = { _ in },
                    progress: ((SeparationProgress) -> Void)? = nil) throws -> SeparationSummary {
        let probe = try AudioFileReader(path: inputPath)
        let rate = outputSampleRate(inputRate: probe.sampleRate)
        if rate != probe.sampleRate {
            notes("note: '\(inputPath)' is at \(probe.sampleRate) Hz and the basis at \(rate) Hz; resampling the input to \(rate) Hz (libsoxr HQ)")
        }
        if configuration.mono && probe.channelCount > 1 {
            notes("note: downmixing \(probe.channelCount) channels to mono")
        }
        let mono = configuration.mono
        return try run(source: inputPath, sink: sink, progress: progress) {
            try AudioFileSampleStream(path: inputPath, mono: mono, sampleRate: rate)
        }
    }

    /// Separates a signal in memory (at the basis's sample rate, or any rate if it has none).
    public func run(signal: AudioSignal, sink: SeparationSink, progress: ((SeparationProgress) -> Void)? = nil) throws -> SeparationSummary {
        let rate = outputSampleRate(inputRate: signal.sampleRate)
        guard rate == signal.sampleRate else {
            throw ComplexNMFError.shapeMismatch(what: "signal sample rate", expected: "\(rate) Hz (the basis)", actual: "\(signal.sampleRate) Hz", hint: "resample it first, or separate the file with run(inputPath:)")
        }
        let input = configuration.mono && signal.channelCount > 1 ? AudioSignal(sampleRate: signal.sampleRate, channels: [signal.downmixed()]) : signal
        return try run(source: "signal", sink: sink, progress: progress) { MemorySampleStream(input) }
    }

    private func run(source: String, sink: SeparationSink, progress: ((SeparationProgress) -> Void)?,
                     makeStream: () throws -> SampleStream) throws -> SeparationSummary {
        let start = Date()
        // Pass 1: length (and validation of every sample).
        let counting = try makeStream()
        var length = 0
        while true {
            let block = try counting.read(maximumFrames: 262_144)
            if block[0].isEmpty { break }
            length += block[0].count
        }
        guard length > 0 else {
            throw ComplexNMFError.invalidContent(path: source, reason: "the audio has no samples")
        }
        let channels = counting.channelCount, rate = counting.sampleRate
        let frameCount = transform.configuration.frameCount(sampleCount: length)
        let blockFrames = configuration.blockFrames, threads = configuration.threadCount

        // Pass 2 (Complex NMF with the default λ): Σ|Y|² per channel.
        var lambdas: [Double] = []
        if configuration.method == .complexNMF {
            if let lambda = configuration.lambda {
                lambdas = [Double](repeating: lambda, count: channels)
            } else {
                var energy = [Double](repeating: 0, count: channels)
                let reader = FrameBlockReader(stream: try makeStream(), transform: transform, length: length)
                while let (_, spectrograms) = try reader.next(maximumFrames: 256, threadCount: threads) {
                    for (c, y) in spectrograms.enumerated() { for x in y.values { energy[c] += Double(x) * Double(x) } }
                }
                lambdas = energy.map { ComplexNMFConfiguration.defaultLambda(energy: $0, bins: transform.configuration.binCount, sparsity: configuration.sparsity) }
            }
        }

        let info = SeparationInfo(outputNames: groups.names, labels: basis.labels, basis: basis.templates, sampleRate: rate,
                                  channelCount: channels, length: length, frameCount: frameCount,
                                  stft: transform.configuration, configuration: configuration, lambdas: lambdas)
        try sink.begin(info)

        // Pass 3: decompose, resynthesise and hand out block by block.
        let power = configuration.method == .nmf && configuration.spectrum == .power
        let modelBasis = power ? Self.squaredTemplates(basis.templates) : basis.templates
        let resynthesizer = ComponentResynthesizer(basis: modelBasis, groups: groups, signal: configuration.effectiveComponentSignal)
        let synthesizers = groups.names.map { _ in (0..<channels).map { _ in OverlapAddSynthesizer(transform: transform, frameCount: frameCount, length: length) } }
        let reconstructionSynthesizers = (0..<channels).map { _ in OverlapAddSynthesizer(transform: transform, frameCount: frameCount, length: length) }
        let consistent = configuration.effectiveConsistencyIterations > 0
        let filter = consistent ? try ConsistentWienerFilter(transform: transform, configuration: configuration.consistency) : nil
        var chunkers = (0..<channels).map { _ in
            ConsistencyChunker(chunkFrames: configuration.consistency.chunkFrames, marginFrames: configuration.consistency.marginFrames, frameCount: frameCount)
        }
        // Reused by every chunk of consistent Wiener filtering.
        var estimateBuffers: [ComplexMatrix] = []
        let consistencyWorkspace = ConsistentWienerFilter.Workspace()
        let reader = FrameBlockReader(stream: try makeStream(), transform: transform, length: length)
        var cost = [Double](repeating: 0, count: configuration.iterations)
        var outputEnergy = [Double](repeating: 0, count: groups.names.count)
        var completed = 0

        func handOut(_ block: SeparatedBlock) throws {
            Self.accumulateEnergies(block.outputSamples, into: &outputEnergy, threadCount: threads)
            // Safety net: no NaN or Inf may reach an output file.
            if let bad = outputEnergy.firstIndex(where: { !$0.isFinite }) {
                throw ComplexNMFError.numericalFailure(
                    reason: "output '\(groups.names[bad])' got non-finite samples up to frame \(block.frames.upperBound) (please report this input)")
            }
            try sink.consume(block)
        }

        while let (frames, spectrograms) = try reader.next(maximumFrames: blockFrames, threadCount: threads) {
            var block = SeparatedBlock(frames: frames, spectrograms: spectrograms, activations: [], reconstructions: [], phases: [],
                                       outputSamples: groups.names.map { _ in [] }, reconstructionSamples: [])
            for (c, y) in spectrograms.enumerated() {
                let u0 = ActivationInitializer.halfNormal(components: basis.componentCount, frames: frames, seed: configuration.seed, stream: UInt64(c))
                let activations: RealMatrix, reconstruction: ComplexMatrix, phases: PhaseTensor?
                // Per-frame costs `[iterations × frames]`, added in frame order so that the
                // totals do not depend on the block size.
                let frameCosts: [Double]
                switch configuration.method {
                case .complexNMF:
                    var config = ComplexNMFConfiguration()
                    config.sparsity = configuration.sparsity
                    config.lambda = lambdas[c]
                    config.phaseJitter = configuration.phaseJitter
                    config.seed = configuration.seed
                    config.stopping = StoppingRule(maximumIterations: configuration.iterations)
                    config.threadCount = threads
                    let result = try ComplexNMF(configuration: config).decompose(
                        spectrogram: y, basis: basis.templates, initialActivations: u0, frameOffset: frames.lowerBound, stream: UInt64(c))
                    (activations, reconstruction, phases, frameCosts) = (result.activations, result.reconstruction, result.phases, result.frameCosts)
                case .nmf:
                    var config = NMFConfiguration()
                    config.divergence = configuration.divergence
                    config.stopping = StoppingRule(maximumIterations: configuration.iterations)
                    config.threadCount = threads
                    var v = y.magnitudes()
                    if power { for i in 0..<v.values.count { v.values[i] *= v.values[i] } }
                    let result = try NMF(configuration: config).decompose(magnitudes: v, basis: modelBasis, initialActivations: u0)
                    activations = result.activations
                    reconstruction = MixturePhaseModel.reconstruction(spectrogram: y, basis: modelBasis, activations: activations,
                                                                      squareRoot: power, threadCount: threads)
                    phases = nil
                    frameCosts = result.frameCosts
                }
                let count = frames.count
                for i in 0..<min(cost.count, frameCosts.count / max(count, 1)) {
                    for j in 0..<count { cost[i] += frameCosts[i * count + j] }
                }
                if let filter {
                    // Outputs lag by up to a chunk and its margin: each chunk is solved once its window is in.
                    var samples = [[Float]](repeating: [], count: groups.names.count)
                    for window in chunkers[c].add(spectrogram: y, activations: activations) {
                        Self.resynthesizeConsistently(window, with: resynthesizer, filter: filter, squareModel: !power,
                                                      estimates: &estimateBuffers, workspace: consistencyWorkspace,
                                                      into: synthesizers.map { $0[c] }, appendingTo: &samples, threadCount: threads)
                    }
                    for (o, outputSamples) in samples.enumerated() { block.outputSamples[o].append(outputSamples) }
                } else {
                    let samples = Self.resynthesize(resynthesizer.prepare(spectrogram: y, activations: activations, phases: phases, threadCount: threads),
                                                    with: resynthesizer, into: synthesizers.map { $0[c] }, threadCount: threads)
                    for (o, outputSamples) in samples.enumerated() { block.outputSamples[o].append(outputSamples) }
                }
                reconstructionSynthesizers[c].add(reconstruction, threadCount: threads)
                block.reconstructionSamples.append(reconstructionSynthesizers[c].drainCompletedSamples())
                block.activations.append(activations)
                block.reconstructions.append(reconstruction)
                if let phases { block.phases.append(phases) }
                completed += frames.count
                progress?(SeparationProgress(completed: completed, total: frameCount * channels))
            }
            try handOut(block)
        }
        // The tails of the overlap-add.
        let tail = SeparatedBlock(frames: frameCount..<frameCount, spectrograms: [], activations: [], reconstructions: [], phases: [],
                                  outputSamples: synthesizers.map { $0.map { $0.finish() } },
                                  reconstructionSamples: reconstructionSynthesizers.map { $0.finish() })
        try handOut(tail)
        let summary = SeparationSummary(cost: cost, iterations: configuration.iterations,
                                        seconds: Date().timeIntervalSince(start), outputEnergy: outputEnergy)
        try sink.finish(summary)
        return summary
    }

    /// Forms every output's spectrum of a prepared block and feeds it to that output's inverse
    /// STFT, outputs split over `threadCount` threads (each output's work is independent and fixed,
    /// so the samples do not depend on the split). Returns each output's finished samples.
    static func resynthesize(_ block: ComponentResynthesizer.Block, with resynthesizer: ComponentResynthesizer,
                             into synthesizers: [OverlapAddSynthesizer], threadCount: Int) -> [[Float]] {
        let outputs = synthesizers.count
        var samples = [[Float]](repeating: [], count: outputs)
        let workers = max(1, min(threadCount, outputs))
        samples.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable(value: (buffer, synthesizers))
            runWorkers(workers) { worker in
                let (buffer, synthesizers) = shared.value
                var spectrum = ComplexMatrix(rows: block.spectrogram.rows, columns: block.frames)
                for o in stride(from: worker, to: outputs, by: workers) {
                    resynthesizer.output(o, of: block, into: &spectrum)
                    synthesizers[o].add(spectrum, threadCount: 1)
                    buffer[o] = synthesizers[o].drainCompletedSamples()
                }
            }
        }
        return samples
    }

    /// Consistent Wiener filtering of one chunk: Wiener estimates and model powers of every output
    /// over the chunk's window, refined by `filter`; the chunk's own frames of each output are then
    /// fed to that output's inverse STFT (outputs split over threads), and each output's finished
    /// samples are appended to `samples[output]` by the thread that made them.
    static func resynthesizeConsistently(_ window: ConsistencyChunker.Window, with resynthesizer: ComponentResynthesizer,
                                         filter: ConsistentWienerFilter, squareModel: Bool, estimates: inout [ComplexMatrix],
                                         workspace: ConsistentWienerFilter.Workspace, into synthesizers: [OverlapAddSynthesizer],
                                         appendingTo samples: inout [[Float]], threadCount: Int) {
        let outputs = synthesizers.count
        let prepared = resynthesizer.prepare(spectrogram: window.spectrogram, activations: window.activations, phases: nil, threadCount: threadCount)
        let bins = window.spectrogram.rows, frames = window.frames.count
        if estimates.count != outputs || estimates.first?.columns != frames {
            estimates = [ComplexMatrix](repeating: ComplexMatrix(rows: bins, columns: frames), count: outputs)
        }
        let workers = max(1, min(threadCount, outputs))
        estimates.withUnsafeMutableBufferPointer { estimates in
            let shared = UncheckedSendable(value: estimates)
            runWorkers(workers) { worker in
                for o in stride(from: worker, to: outputs, by: workers) { resynthesizer.output(o, of: prepared, into: &shared.value[o]) }
            }
        }
        func power(_ o: Int) -> [Float] {
            var model: [Float] = []
            resynthesizer.outputModel(o, of: prepared, into: &model)
            if squareModel { for i in model.indices { model[i] *= model[i] } }
            return model
        }
        // Total model power per output: with unit-sum power templates, Σ_bins H U = Σ_{k ∈ output} U
        // per frame, so no output's model needs forming; magnitude models are squared first.
        let totals: [Double] = squareModel
            ? (0..<outputs).map { power($0).reduce(0.0) { $0 + Double($1) } }
            : resynthesizer.componentTotals(of: window.activations)
        filter.refine(&estimates, mixture: window.spectrogram, totalPowers: totals, power: power, threadCount: threadCount,
                      workspace: workspace)
        // The chunk's own frames.
        let first = window.chunk.lowerBound - window.frames.lowerBound, count = window.chunk.count
        precondition(samples.count == outputs, "one sample array per output")
        let spectra = estimates
        samples.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable(value: (buffer, synthesizers))
            runWorkers(workers) { worker in
                let (buffer, synthesizers) = shared.value
                for o in stride(from: worker, to: outputs, by: workers) {
                    synthesizers[o].add(spectra[o], columns: first..<(first + count), threadCount: 1)
                    buffer[o] += synthesizers[o].drainCompletedSamples()
                }
            }
        }
    }

    /// Adds `Σ x²` of each output's samples to `totals`, outputs split over `threadCount` threads.
    /// Each total grows in sample order, so it does not depend on the block size.
    static func accumulateEnergies(_ outputs: [[[Float]]], into totals: inout [Double], threadCount: Int) {
        let workers = max(1, min(threadCount, outputs.count))
        totals.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable(value: buffer)
            runWorkers(workers) { worker in
                for o in stride(from: worker, to: outputs.count, by: workers) {
                    var sum = shared.value[o]
                    for samples in outputs[o] { for x in samples { sum += Double(x) * Double(x) } }
                    shared.value[o] = sum
                }
            }
        }
    }

    /// Element-wise squared templates, each column renormalised to unit sum (the power-spectrum
    /// basis of `SpectrumKind.power`).
    static func squaredTemplates(_ h: RealMatrix) -> RealMatrix {
        var out = h
        for k in 0..<h.columns {
            var sum = 0.0
            for f in 0..<h.rows { let x = Double(h[f, k]); sum += x * x }
            for f in 0..<h.rows { let x = Double(h[f, k]); out[f, k] = sum > 0 ? Float(x * x / sum) : 0 }
        }
        return out
    }
}
