import Foundation

/// Incremental inverse STFT: takes the frames of a spectrogram block by block, in order, and
/// hands out finished samples as soon as no later frame can touch them. Memory is bounded by
/// one block plus `fftSize` samples, whatever the length of the signal.
///
/// The result is identical to `ShortTimeFourierTransform.inverse` whatever the block sizes:
/// each sample is the sum of its frames' windowed inverse FFTs, in frame order, divided by
/// the sum of squared windows of the `frameCount` frames (librosa `istft` semantics).
public final class OverlapAddSynthesizer {
    /// The transform whose inverse this is.
    public let transform: ShortTimeFourierTransform
    /// Total frames of the spectrogram being inverted.
    public let frameCount: Int
    /// Samples in the output signal (librosa `length`).
    public let length: Int
    /// Frames received so far.
    public private(set) var framesAdded = 0
    /// Output samples handed out so far.
    public private(set) var samplesEmitted = 0

    /// Overlap-add accumulator in padded coordinates, starting at padded sample `bufferStart`.
    private var accumulator: [Float] = []
    private var bufferStart = 0
    private let squaredWindow: [Double]
    /// The envelope at padded positions `n + r`, `r < hop`, where all covering frames exist.
    private let steadyEnvelope: [Double]

    /// Prepares the inverse of a spectrogram with `frameCount` frames, to `length` samples.
    public init(transform: ShortTimeFourierTransform, frameCount: Int, length: Int) {
        self.transform = transform
        self.frameCount = frameCount
        self.length = max(0, length)
        let squared = transform.window.map { Double($0) * Double($0) }
        self.squaredWindow = squared
        // Where every covering frame exists the envelope is periodic in the hop; the same
        // summation order as `envelope(atPadded:)` keeps both paths bit-identical.
        let n = transform.configuration.fftSize, hop = transform.configuration.hopLength
        self.steadyEnvelope = (0..<hop).map { r in
            let p = n + r  // a padded position with all covering frames present
            var sum = 0.0
            var t = p / hop
            while t >= 0, p - t * hop < n { sum += squared[p - t * hop]; t -= 1 }
            return sum
        }
    }

    /// Adds the next `block.columns` frames (`[binCount × frames]`). Inverse FFTs run on
    /// `threadCount` threads; the overlap-add itself is sequential, in frame order.
    public func add(_ block: ComplexMatrix, threadCount: Int? = nil) {
        let config = transform.configuration
        let n = config.fftSize, bins = config.binCount, hop = config.hopLength
        precondition(block.rows == bins, "block has \(block.rows) bins, expected \(bins)")
        let count = min(block.columns, frameCount - framesAdded)
        guard count > 0 else { return }
        // 1. Windowed, scaled inverse FFT of every frame (parallel; per-frame arithmetic fixed).
        var frames = [Float](repeating: 0, count: count * n)
        let threads = max(1, min(threadCount ?? ShortTimeFourierTransform.defaultThreadCount(frames: count), count))
        let chunk = (count + threads - 1) / threads
        let scale = 1 / Float(n)
        frames.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            block.values.withUnsafeBufferPointer { input in
                transform.window.withUnsafeBufferPointer { w in
                    let work: (Int) -> Void = { worker in
                        let buffers = self.transform.plan.makeBuffers()
                        let lower = worker * chunk, upper = min(count, lower + chunk)
                        guard lower < upper else { return }
                        for j in lower..<upper {
                            buffers.complexFloats.update(from: input.baseAddress! + 2 * bins * j, count: 2 * bins)
                            self.transform.plan.inverse(buffers)
                            let frame = outBase + j * n
                            for i in 0..<n { frame[i] = buffers.real[i] * scale * w[i] }
                        }
                    }
                    runWorkers(threads, work)
                }
            }
        }
        // 2. Overlap-add in frame order.
        let firstFrame = framesAdded
        let end = (firstFrame + count - 1) * hop + n
        if accumulator.count < end - bufferStart {
            accumulator += [Float](repeating: 0, count: end - bufferStart - accumulator.count)
        }
        accumulator.withUnsafeMutableBufferPointer { acc in
            frames.withUnsafeBufferPointer { source in
                for j in 0..<count {
                    let target = acc.baseAddress! + (firstFrame + j) * hop - bufferStart
                    let frame = source.baseAddress! + j * n
                    for i in 0..<n { target[i] += frame[i] }
                }
            }
        }
        framesAdded += count
    }

    /// Output samples that no later frame can change, normalised and trimmed; removes them from
    /// the internal buffer. Call after each `add`; `finish()` returns the rest.
    public func drainCompletedSamples() -> [Float] {
        let hop = transform.configuration.hopLength
        // Padded samples before the next frame's start are final.
        let finalPadded = framesAdded >= frameCount ? Int.max : framesAdded * hop
        return emit(upToPadded: finalPadded)
    }

    /// All remaining output samples; the total handed out is exactly `length`.
    public func finish() -> [Float] {
        emit(upToPadded: Int.max)
    }

    /// Sum of squared windows of the frames covering padded sample `p`
    /// (`t·hop ≤ p < t·hop + n`, `0 ≤ t < frameCount`), summed from the last frame back.
    private func envelope(atPadded p: Int) -> Double {
        let config = transform.configuration
        var sum = 0.0
        var t = min(frameCount - 1, p / config.hopLength)
        while t >= 0, p - t * config.hopLength < config.fftSize {
            sum += squaredWindow[p - t * config.hopLength]
            t -= 1
        }
        return sum
    }

    private func emit(upToPadded finalPadded: Int) -> [Float] {
        let config = transform.configuration
        let n = config.fftSize, hop = config.hopLength, pad = config.padding
        // Output sample s sits at padded position s + pad.
        let lastOutput = min(length, finalPadded == Int.max ? length : max(0, finalPadded - pad))
        guard lastOutput > samplesEmitted else { return [] }
        var out = [Float](repeating: 0, count: lastOutput - samplesEmitted)
        let interiorEnd = (frameCount - 1) * hop  // from n to here every covering frame exists
        accumulator.withUnsafeBufferPointer { acc in
            out.withUnsafeMutableBufferPointer { output in
                for s in samplesEmitted..<lastOutput {
                    let p = s + pad
                    let index = p - bufferStart
                    let value: Float = index >= 0 && index < acc.count ? acc[index] : 0
                    let envelope: Double
                    if p >= n && p < interiorEnd {
                        envelope = steadyEnvelope[(p - n) % hop]
                    } else {
                        envelope = self.envelope(atPadded: p)
                    }
                    output[s - samplesEmitted] = Float(envelope) > Float.leastNormalMagnitude ? Float(Double(value) / envelope) : value
                }
            }
        }
        samplesEmitted = lastOutput
        // Drop accumulator samples before the next needed padded position.
        let keepFrom = min(samplesEmitted + pad, framesAdded * hop)
        if keepFrom > bufferStart {
            let drop = min(keepFrom - bufferStart, accumulator.count)
            accumulator.removeFirst(drop)
            bufferStart += drop
        }
        return out
    }
}
