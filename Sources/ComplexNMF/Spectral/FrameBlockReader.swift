/// Cuts a sample stream into blocks of STFT frames without holding the whole signal: keeps
/// only the samples the next frames need. The frames equal those of
/// `ShortTimeFourierTransform.forward` on the whole signal (`length` samples per channel).
public final class FrameBlockReader {
    private let stream: SampleStream
    private let transform: ShortTimeFourierTransform
    /// Samples per channel in the stream.
    public let length: Int
    /// Frames of the whole signal.
    public let frameCount: Int
    /// Frames handed out so far.
    public private(set) var nextFrame = 0
    private var buffer: [[Float]]
    private var bufferStart = 0  // unpadded sample index of buffer[c][0]

    /// Reads `stream`, which must yield exactly `length` samples per channel.
    public init(stream: SampleStream, transform: ShortTimeFourierTransform, length: Int) {
        self.stream = stream
        self.transform = transform
        self.length = length
        self.frameCount = transform.configuration.frameCount(sampleCount: length)
        self.buffer = [[Float]](repeating: [], count: stream.channelCount)
    }

    /// The next block of at most `maximumFrames` frames, one `[bins × frames]` matrix per
    /// channel, or `nil` after the last frame.
    public func next(maximumFrames: Int, threadCount: Int? = nil) throws -> (frames: Range<Int>, spectrograms: [ComplexMatrix])? {
        guard nextFrame < frameCount else { return nil }
        let config = transform.configuration
        let frames = nextFrame..<min(frameCount, nextFrame + maximumFrames)
        let first = frames.lowerBound * config.hopLength - config.padding
        let end = min(length, (frames.upperBound - 1) * config.hopLength - config.padding + config.fftSize)
        // Drop samples before `first`, read up to `end`.
        let drop = min(max(0, first - bufferStart), buffer[0].count)
        if drop > 0 { for c in 0..<buffer.count { buffer[c].removeFirst(drop) }; bufferStart += drop }
        while bufferStart + buffer[0].count < end {
            let block = try stream.read(maximumFrames: max(16_384, end - bufferStart - buffer[0].count))
            if block[0].isEmpty { break }
            for c in 0..<buffer.count { buffer[c] += block[c] }
        }
        let start = bufferStart
        let spectrograms = buffer.map { channel in
            channel.withUnsafeBufferPointer { held in
                // Samples past the signal's end read as zero.
                let valid = UnsafeBufferPointer(rebasing: held[0..<max(0, min(held.count, self.length - start))])
                return transform.forward(SampleSpan(samples: valid, firstIndex: start), frames: frames, threadCount: threadCount)
            }
        }
        nextFrame = frames.upperBound
        return (frames, spectrograms)
    }
}
