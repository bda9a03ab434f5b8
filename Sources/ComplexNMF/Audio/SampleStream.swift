/// A source of audio samples read block by block: a decoder (with optional downmix and
/// resampling) or a signal in memory. Two streams made the same way give identical samples.
public protocol SampleStream: AnyObject {
    /// Channels per frame.
    var channelCount: Int { get }
    /// Sample rate in Hz of the samples handed out.
    var sampleRate: Int { get }
    /// Up to `maximumFrames` frames per channel; empty channels at the end.
    func read(maximumFrames: Int) throws -> [[Float]]
}

/// Samples of an audio file, optionally downmixed to mono and resampled (libsoxr).
public final class AudioFileSampleStream: SampleStream {
    private let reader: AudioFileReader
    private let resampler: Resampler?
    private let mono: Bool
    private var pending: [[Float]]
    private var finished = false

    public var channelCount: Int { mono ? 1 : reader.channelCount }
    public let sampleRate: Int

    /// Opens `path`; `mono` averages the channels; `sampleRate` (when different from the
    /// file's) resamples.
    public init(path: String, mono: Bool, sampleRate: Int? = nil) throws {
        reader = try AudioFileReader(path: path)
        self.mono = mono
        let target = sampleRate ?? reader.sampleRate
        self.sampleRate = target
        let channels = mono ? 1 : reader.channelCount
        resampler = target == reader.sampleRate ? nil : try Resampler(inputRate: reader.sampleRate, outputRate: target, channelCount: channels)
        pending = [[Float]](repeating: [], count: channels)
    }

    /// The file's own rate and channel count.
    public var fileSampleRate: Int { reader.sampleRate }
    public var fileChannelCount: Int { reader.channelCount }

    public func read(maximumFrames: Int) throws -> [[Float]] {
        while pending[0].count < maximumFrames && !finished {
            var block = try reader.read(maximumFrames: 16_384)
            let ended = block[0].isEmpty
            if mono && block.count > 1 {
                let scale = 1 / Float(block.count)
                block = [(0..<block[0].count).map { i in block.reduce(0) { $0 + $1[i] } * scale }]
            }
            if let resampler {
                block = ended ? resampler.finish() : resampler.process(block)
            }
            for c in 0..<pending.count { pending[c] += block[c] }
            if ended { finished = true }
        }
        let count = min(maximumFrames, pending[0].count)
        let out = pending.map { Array($0[0..<count]) }
        for c in 0..<pending.count { pending[c].removeFirst(count) }
        return out
    }
}

/// Samples of a signal in memory.
public final class MemorySampleStream: SampleStream {
    private let signal: AudioSignal
    private var position = 0
    public var channelCount: Int { signal.channelCount }
    public var sampleRate: Int { signal.sampleRate }

    /// Streams `signal`.
    public init(_ signal: AudioSignal) { self.signal = signal }

    public func read(maximumFrames: Int) throws -> [[Float]] {
        let end = min(signal.frameCount, position + maximumFrames)
        defer { position = end }
        return signal.channels.map { Array($0[position..<end]) }
    }
}
