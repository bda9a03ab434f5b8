import Foundation
import CResynthesisKernel

/// Incremental inverse STFT: takes the frames of a spectrogram block by block, in order, and
/// hands out finished samples as soon as no later frame can touch them. Memory is bounded by
/// one block plus `fftSize` samples, whatever the length of the signal.
///
/// The result is identical to `ShortTimeFourierTransform.inverse` whatever the block sizes and
/// thread counts: each sample is the sum of its frames' windowed inverse FFTs, in frame order
/// starting from 0, divided by the sum of squared windows of the `frameCount` frames (librosa
/// `istft` semantics).
///
/// Threads split the *output samples*, not the frames: a worker owns a range of samples and
/// adds, in frame order, every frame that touches it (the few frames that straddle two ranges
/// are transformed by both workers). So every sum keeps its order and no frame buffer of
/// `frames × fftSize` samples is needed.
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

    /// Adds the next `block.columns` frames (`[binCount × frames]`). Inverse FFTs and the
    /// overlap-add run on `threadCount` threads, each owning a range of output samples.
    public func add(_ block: ComplexMatrix, threadCount: Int? = nil) {
        add(block, columns: 0..<block.columns, threadCount: threadCount)
    }

    /// Adds columns `columns` of `block` (`[binCount × frames]`) as the next frames.
    public func add(_ block: ComplexMatrix, columns: Range<Int>, threadCount: Int? = nil) {
        let config = transform.configuration
        let n = config.fftSize, bins = config.binCount, hop = config.hopLength
        precondition(block.rows == bins, "block has \(block.rows) bins, expected \(bins)")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= block.columns, "columns \(columns) of a block of \(block.columns)")
        let count = min(columns.count, frameCount - framesAdded)
        guard count > 0 else { return }
        let firstFrame = framesAdded
        let end = (firstFrame + count - 1) * hop + n
        if accumulator.count < end - bufferStart {
            accumulator += [Float](repeating: 0, count: end - bufferStart - accumulator.count)
        }
        let threads = ShortTimeFourierTransform.workerCount(frames: count, threadCount: threadCount)
        let regionStart = firstFrame * hop
        let bufferStart = self.bufferStart
        block.values.withUnsafeBufferPointer { input in
            accumulator.withUnsafeMutableBufferPointer { acc in
                let target = UncheckedSendable(value: acc.baseAddress!)
                let spectrum = UncheckedSendable(value: input.baseAddress! + 2 * bins * columns.lowerBound)
                let ranges = Self.split(regionStart..<end, parts: threads, step: hop)
                runWorkers(threads) { worker in
                    self.overlapAdd(frames: firstFrame..<(firstFrame + count), frame: { spectrum.value + 2 * bins * ($0 - firstFrame) },
                                    into: target.value, accumulatorStart: bufferStart, positions: ranges[worker])
                }
            }
        }
        framesAdded += count
    }

    /// The whole inverse (all `frameCount` frames) in one call, without the streaming
    /// accumulator: each worker accumulates and normalises its own range of the output.
    /// - Parameter makeFrameSource: called once per worker; the function it returns gives a
    ///   pointer to frame t's `binCount` interleaved complex values, for t ascending.
    func synthesizeAll(threadCount: Int?, makeFrameSource: @escaping @Sendable () -> (Int) -> UnsafePointer<Float>) -> [Float] {
        precondition(framesAdded == 0 && samplesEmitted == 0, "synthesizeAll on a synthesizer already in use")
        let config = transform.configuration
        let pad = config.padding, frames = frameCount
        let threads = max(1, min(threadCount ?? ShortTimeFourierTransform.defaultThreadCount(frames: frames), max(1, length / 4096)))
        let ranges = Self.split(0..<length, parts: threads, step: config.hopLength)
        let output = [Float](unsafeUninitializedCapacity: length) { out, initialized in
            if length > 0 {
                let base = UncheckedSendable(value: out.baseAddress!)
                runWorkers(threads) { worker in
                    let samples = ranges[worker]
                    guard !samples.isEmpty else { return }
                    // The output doubles as the accumulator: output sample s is padded position s + pad.
                    (base.value + samples.lowerBound).initialize(repeating: 0, count: samples.count)
                    if frames > 0 {
                        self.overlapAdd(frames: 0..<frames, frame: makeFrameSource(), into: base.value, accumulatorStart: pad,
                                        positions: (samples.lowerBound + pad)..<(samples.upperBound + pad))
                    }
                    self.normalize(base.value + samples.lowerBound, paddedStart: samples.lowerBound + pad,
                                   count: samples.count, into: base.value + samples.lowerBound)
                }
            }
            initialized = length
        }
        framesAdded = frames
        samplesEmitted = length
        return output
    }

    /// Splits `range` into `parts` consecutive ranges whose inner bounds are multiples of `step`
    /// (some may be empty).
    private static func split(_ range: Range<Int>, parts: Int, step: Int) -> [Range<Int>] {
        let steps = (range.count + step - 1) / step
        let perPart = (steps + parts - 1) / parts
        return (0..<parts).map { part in
            let lower = min(range.upperBound, range.lowerBound + part * perPart * step)
            let upper = min(range.upperBound, range.lowerBound + (part + 1) * perPart * step)
            return lower..<upper
        }
    }

    /// Adds to `accumulator[p − accumulatorStart]`, for every padded position `p` in `positions`,
    /// the windowed, scaled inverse FFT of each frame of `frames` that covers `p`, in frame order.
    /// `frame(t)` points to frame t's interleaved complex bins (asked for in ascending t).
    ///
    ///     acc[p] += (irfft(S[:, t])[p − t·hop] · (1/n)) · w[p − t·hop]      for t ascending
    private func overlapAdd(frames: Range<Int>, frame: (Int) -> UnsafePointer<Float>, into accumulator: UnsafeMutablePointer<Float>,
                            accumulatorStart: Int, positions: Range<Int>) {
        guard !positions.isEmpty, !frames.isEmpty else { return }
        let config = transform.configuration
        let n = config.fftSize, bins = config.binCount, hop = config.hopLength
        // Frames t with t·hop < positions.upperBound and t·hop + n > positions.lowerBound.
        let first = max(frames.lowerBound, positions.lowerBound - n < 0 ? 0 : (positions.lowerBound - n) / hop + 1)
        let last = min(frames.upperBound, (positions.upperBound - 1) / hop + 1)
        guard first < last else { return }
        let plan = transform.plan
        let buffers = plan.makeBuffers()
        let scale = 1 / Float(n)
        transform.window.withUnsafeBufferPointer { windowValues in
            let w = windowValues.baseAddress!
            let real = buffers.real
            for t in first..<last {
                let frameStart = t * hop
                let lower = max(0, positions.lowerBound - frameStart)
                let upper = min(n, positions.upperBound - frameStart)
                guard lower < upper else { continue }
                buffers.complexFloats.update(from: frame(t), count: 2 * bins)
                plan.inverse(buffers)
                let target = accumulator + (frameStart + lower - accumulatorStart)
                rs_overlap_add(CNMF_LEVEL_AUTOMATIC, Int32(upper - lower), target, UnsafePointer(real) + lower, scale, w + lower)
            }
        }
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

    /// `output[i] = values[i] / envelope(paddedStart + i)` (in Double, rounded to Float) where the
    /// envelope exceeds the smallest normal Float, else `values[i]`. `output` may equal `values`.
    private func normalize(_ values: UnsafePointer<Float>, paddedStart: Int, count: Int, into output: UnsafeMutablePointer<Float>) {
        let config = transform.configuration
        let n = config.fftSize, hop = config.hopLength
        let interiorEnd = (frameCount - 1) * hop  // from n to here every covering frame exists
        @inline(__always) func divide(_ value: Float, _ envelope: Double) -> Float {
            Float(envelope) > Float.leastNormalMagnitude ? Float(Double(value) / envelope) : value
        }
        steadyEnvelope.withUnsafeBufferPointer { steady in
            var i = 0
            while i < count {
                let p = paddedStart + i
                if p >= n && p < interiorEnd {
                    // A run of consecutive hop phases r..<hop, all in the interior.
                    let r = (p - n) % hop
                    let run = min(hop - r, interiorEnd - p, count - i)
                    let e = steady.baseAddress! + r
                    let source = values + i, target = output + i
                    for j in 0..<run { target[j] = divide(source[j], e[j]) }
                    i += run
                } else {
                    output[i] = divide(values[i], envelope(atPadded: p))
                    i += 1
                }
            }
        }
    }

    private func emit(upToPadded finalPadded: Int) -> [Float] {
        let config = transform.configuration
        let hop = config.hopLength, pad = config.padding
        // Output sample s sits at padded position s + pad.
        let lastOutput = min(length, finalPadded == Int.max ? length : max(0, finalPadded - pad))
        guard lastOutput > samplesEmitted else { return [] }
        let count = lastOutput - samplesEmitted
        let out = [Float](unsafeUninitializedCapacity: count) { output, initialized in
            accumulator.withUnsafeBufferPointer { acc in
                // Positions outside the accumulator hold 0 (no frame reached them).
                let firstPadded = samplesEmitted + pad
                let lower = min(count, max(0, bufferStart - firstPadded))
                let upper = max(lower, min(count, bufferStart + acc.count - firstPadded))
                if lower > 0 {
                    output.baseAddress!.initialize(repeating: 0, count: lower)
                    self.normalize(output.baseAddress!, paddedStart: firstPadded, count: lower, into: output.baseAddress!)
                }
                if upper > lower {
                    self.normalize(acc.baseAddress! + (firstPadded + lower - bufferStart), paddedStart: firstPadded + lower,
                                   count: upper - lower, into: output.baseAddress! + lower)
                }
                if upper < count {
                    (output.baseAddress! + upper).initialize(repeating: 0, count: count - upper)
                    self.normalize(output.baseAddress! + upper, paddedStart: firstPadded + upper, count: count - upper, into: output.baseAddress! + upper)
                }
            }
            initialized = count
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
