import Foundation

/// Forward and inverse STFT through FFTW, with librosa's semantics (see `STFTConfiguration`).
///
/// Forward: frame t holds samples `[t·hop − pad, t·hop − pad + fftSize)` of the zero-padded
/// signal, multiplied by the window and transformed with an unnormalised real FFT.
/// Output `[binCount × frames]`, `frames = 1 + length / hop` (centred).
///
/// Inverse: windowed overlap-add of the real inverse FFTs (scaled by `1/fftSize`), divided by
/// the sum of squared windows wherever that sum exceeds the smallest normal Float, trimmed to
/// exactly `length` samples (librosa `istft(..., length=)`).
///
/// Frames are independent, so long inputs are split over `threadCount` threads (contiguous
/// frame ranges, one shared FFTW plan, per-thread scratch); each frame's arithmetic is the same
/// whatever the split, so results do not depend on the thread count.
///
/// Cost (n = fftSize, T frames): T real FFTs of size n, plus O(T·n) window multiplies;
/// memory: the `[binCount × T]` result only (no zero-fill, no intermediate copies).
public final class ShortTimeFourierTransform: @unchecked Sendable {
    /// The settings.
    public let configuration: STFTConfiguration
    /// The window samples, `[fftSize]`.
    public let window: [Float]
    let plan: FFTPlan

    /// Creates the transform (the FFTW plan for the size is made once and shared).
    /// - Throws: `ComplexNMFError.invalidParameter` for an invalid configuration.
    public init(configuration: STFTConfiguration = STFTConfiguration()) throws {
        try configuration.validate()
        self.configuration = configuration
        self.window = configuration.window.values(length: configuration.fftSize)
        self.plan = FFTPlan.shared(size: configuration.fftSize)
    }

    /// Number of threads used when none is given: all cores for inputs of more than 64 frames.
    static func defaultThreadCount(frames: Int) -> Int {
        frames > 64 ? availableCoreCount : 1
    }

    /// Worker count for `frames` frames when the caller asked for `threadCount` (nil: default).
    static func workerCount(frames: Int, threadCount: Int?) -> Int {
        max(1, min(threadCount ?? defaultThreadCount(frames: frames), frames))
    }

    /// The complex spectrogram `[binCount × frames]` of `signal`.
    /// - Parameter threadCount: worker threads (default: all cores for long inputs).
    public func forward(_ signal: [Float], threadCount: Int? = nil) -> ComplexMatrix {
        let frames = configuration.frameCount(sampleCount: signal.count)
        return forward(signal, frames: 0..<frames, threadCount: threadCount)
    }

    /// Frames `frames` of the spectrogram of `signal` as a `[binCount × frames.count]` matrix.
    /// Frame indices are those of the whole signal's spectrogram, so a signal can be
    /// transformed block by block with identical results.
    public func forward(_ signal: [Float], frames: Range<Int>, threadCount: Int? = nil) -> ComplexMatrix {
        signal.withUnsafeBufferPointer { samples in
            forward(SampleSpan(samples: samples, firstIndex: 0), frames: frames, threadCount: threadCount)
        }
    }

    /// Frames `frames` of the signal whose samples `source` holds (zeros outside it).
    func forward(_ source: SampleSpan, frames: Range<Int>, threadCount: Int?) -> ComplexMatrix {
        let bins = configuration.binCount, count = frames.count
        let threads = Self.workerCount(frames: count, threadCount: threadCount)
        let chunk = (count + threads - 1) / threads
        // Every value is written by exactly one worker: no zero-fill needed.
        let values = [Float](unsafeUninitializedCapacity: 2 * bins * count) { out, initialized in
            let outBase = UncheckedSendable(value: out.baseAddress!)
            runWorkers(threads) { worker in
                let lower = worker * chunk, upper = min(count, lower + chunk)
                guard lower < upper else { return }
                let buffers = self.plan.makeBuffers()
                self.transformFrames((frames.lowerBound + lower)..<(frames.lowerBound + upper), of: source,
                                     into: outBase.value + 2 * bins * lower, columnStride: 2 * bins, buffers: buffers)
            }
            initialized = 2 * bins * count
        }
        return ComplexMatrix(rows: bins, columns: count, values: values)
    }

    /// Transforms frames `frames` of `source`, one after the other on the calling thread: frame
    /// `frames.lowerBound + j` goes to `destination + j · columnStride` as `binCount`
    /// interleaved complex values.
    func transformFrames(_ frames: Range<Int>, of source: SampleSpan, into destination: UnsafeMutablePointer<Float>,
                         columnStride: Int, buffers: FFTPlan.Buffers) {
        let n = configuration.fftSize, hop = configuration.hopLength, pad = configuration.padding
        let bins = configuration.binCount
        let real = buffers.real
        window.withUnsafeBufferPointer { windowValues in
            let w = windowValues.baseAddress!
            for (j, t) in frames.enumerated() {
                // x[i] = signal[t·hop − pad + i] · w[i], zero outside the signal.
                let start = t * hop - pad
                let lower = min(n, max(0, source.firstIndex - start))
                let upper = max(lower, min(n, source.firstIndex + source.samples.count - start))
                if lower > 0 { real.update(repeating: 0, count: lower) }
                if upper > lower {
                    let input = source.samples.baseAddress! + (start + lower - source.firstIndex)
                    let target = real + lower, window = w + lower
                    for i in 0..<(upper - lower) { target[i] = input[i] * window[i] }
                }
                if upper < n { (real + upper).update(repeating: 0, count: n - upper) }
                plan.forward(buffers)
                (destination + j * columnStride).update(from: buffers.complexFloats, count: 2 * bins)
            }
        }
    }

    /// The signal of exactly `length` samples whose STFT is (closest to) `spectrogram`.
    /// - Parameter spectrogram: `[binCount × frames]`; its row count must equal `binCount`.
    /// - Parameter threadCount: worker threads (default: all cores for long inputs); the
    ///   result is the same for every thread count.
    ///
    /// Identical to feeding the frames to an `OverlapAddSynthesizer` in any block sizes.
    /// Cost: T inverse real FFTs; memory: the output only.
    public func inverse(_ spectrogram: ComplexMatrix, length: Int, threadCount: Int? = nil) -> [Float] {
        precondition(spectrogram.rows == configuration.binCount, "spectrogram has \(spectrogram.rows) bins, expected \(configuration.binCount)")
        let synthesizer = OverlapAddSynthesizer(transform: self, frameCount: spectrogram.columns, length: length)
        return spectrogram.values.withUnsafeBufferPointer { values in
            let base = UncheckedSendable(value: values.baseAddress)
            let stride = 2 * configuration.binCount
            return synthesizer.synthesizeAll(threadCount: threadCount) { { t in UnsafePointer(base.value! + stride * t) } }
        }
    }
}

/// Samples `[firstIndex, firstIndex + samples.count)` of an unpadded signal; every other sample
/// reads as zero. Lets whole signals and blocks of a stream share one framing loop.
struct SampleSpan: @unchecked Sendable {
    /// The samples held.
    let samples: UnsafeBufferPointer<Float>
    /// Signal index of `samples[0]`.
    let firstIndex: Int
}
