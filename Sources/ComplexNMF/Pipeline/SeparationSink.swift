/// What a separation is about to produce, given to a sink before the first block.
public struct SeparationInfo: Sendable {
    /// Output names (component labels or group names), in output order.
    public var outputNames: [String]
    /// Basis labels, in component order.
    public var labels: [String]
    /// The basis `[bins × K]`.
    public var basis: RealMatrix
    /// Sample rate of every output in Hz (the basis rate).
    public var sampleRate: Int
    /// Channels of every output.
    public var channelCount: Int
    /// Samples per channel of every output (= the input's, after resampling).
    public var length: Int
    /// STFT frames of the input.
    public var frameCount: Int
    /// STFT settings.
    public var stft: STFTConfiguration
    /// The settings of the run.
    public var configuration: SeparationConfiguration
    /// Penalty weight λ per channel (Complex NMF; empty for NMF).
    public var lambdas: [Double]
}

/// One block of results, in order; sinks may write it out and forget it.
public struct SeparatedBlock: Sendable {
    /// The STFT frames this block covers.
    public var frames: Range<Int>
    /// Mixture spectrogram `Y` per channel, `[bins × frames]`.
    public var spectrograms: [ComplexMatrix]
    /// Activations per channel, `[K × frames]`.
    public var activations: [RealMatrix]
    /// The model `F` per channel, `[bins × frames]` (`H U P`; for NMF `H U` with the mixture phase).
    public var reconstructions: [ComplexMatrix]
    /// Phases per channel (Complex NMF only, else empty).
    public var phases: [PhaseTensor]
    /// Finished output samples: `[output][channel][samples]` (may be empty for a block).
    public var outputSamples: [[[Float]]]
    /// Finished samples of the reconstruction (ISTFT of `F`), `[channel][samples]`.
    public var reconstructionSamples: [[Float]]
}

/// The end of a separation.
public struct SeparationSummary: Sendable, Codable {
    /// Cost after each iteration, summed over frames and channels.
    public var cost: [Double]
    /// Iterations per frame.
    public var iterations: Int
    /// Wall-clock seconds of the whole run.
    public var seconds: Double
    /// Energy (sum of squared samples over channels) of each output, in output order.
    public var outputEnergy: [Double]
}

/// Receives the results of `SeparationPipeline` block by block, so nothing proportional to the
/// input's duration needs to be held (files, or memory for library users).
public protocol SeparationSink: AnyObject {
    /// Called once before the first block.
    func begin(_ info: SeparationInfo) throws
    /// Called for every block, in frame order.
    func consume(_ block: SeparatedBlock) throws
    /// Called once after the last block.
    func finish(_ summary: SeparationSummary) throws
}

/// Collects the output signals in memory (for library users who want the components as arrays).
public final class MemorySeparationSink: SeparationSink {
    /// The run's description, once begun.
    public private(set) var info: SeparationInfo?
    /// Output signals, one per output name.
    public private(set) var outputs: [AudioSignal] = []
    /// The reconstruction signal.
    public private(set) var reconstruction: AudioSignal?
    /// The summary, once finished.
    public private(set) var summary: SeparationSummary?
    /// Activations per channel `[K × frames]` (when `keepActivations`).
    public private(set) var activations: [RealMatrix] = []
    private let keepActivations: Bool

    /// A sink that keeps the outputs (and, optionally, the activations).
    public init(keepActivations: Bool = false) { self.keepActivations = keepActivations }

    public func begin(_ info: SeparationInfo) throws {
        self.info = info
        let empty = [[Float]](repeating: [], count: info.channelCount)
        outputs = info.outputNames.map { _ in AudioSignal(sampleRate: info.sampleRate, channels: empty) }
        reconstruction = AudioSignal(sampleRate: info.sampleRate, channels: empty)
        if keepActivations {
            activations = [RealMatrix](repeating: RealMatrix(rows: info.basis.columns, columns: 0), count: info.channelCount)
        }
    }

    public func consume(_ block: SeparatedBlock) throws {
        for (o, channels) in block.outputSamples.enumerated() {
            for (c, samples) in channels.enumerated() { outputs[o].channels[c] += samples }
        }
        for (c, samples) in block.reconstructionSamples.enumerated() { reconstruction?.channels[c] += samples }
        if keepActivations {
            for (c, a) in block.activations.enumerated() {
                activations[c] = RealMatrix(rows: a.rows, columns: activations[c].columns + a.columns, values: activations[c].values + a.values)
            }
        }
    }

    public func finish(_ summary: SeparationSummary) throws { self.summary = summary }
}
