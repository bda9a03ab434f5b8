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
/// Frames are independent, so long inputs are split over `threadCount` threads; each frame's
/// arithmetic is the same whatever the split, so results do not depend on the thread count.
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
        forward(frames: frames, threadCount: threadCount) { start, destination, count in
            // Copy signal[start ..< start+count] with zeros outside the signal.
            for i in 0..<count {
                let s = start + i
                destination[i] = s >= 0 && s < signal.count ? signal[s] : 0
            }
        }
    }

    /// Frames of a signal provided by `samples(start, destination, count)`, which must write the
    /// samples `[start, start + count)` of the unpadded signal (zeros outside it) to `destination`.
    func forward(frames: Range<Int>, threadCount: Int?,
                 samples: (Int, UnsafeMutablePointer<Float>, Int) -> Void) -> ComplexMatrix {
        let n = configuration.fftSize, bins = configuration.binCount, hop = configuration.hopLength
        let pad = configuration.padding
        var output = ComplexMatrix(rows: bins, columns: frames.count)
        let threads = max(1, min(threadCount ?? Self.defaultThreadCount(frames: frames.count), frames.count))
        let chunk = (frames.count + threads - 1) / max(threads, 1)
        output.values.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            window.withUnsafeBufferPointer { w in
                let work: (Int) -> Void = { worker in
                    let buffers = self.plan.makeBuffers()
                    let lower = worker * chunk, upper = min(frames.count, lower + chunk)
                    guard lower < upper else { return }
                    for j in lower..<upper {
                        let t = frames.lowerBound + j
                        samples(t * hop - pad, buffers.real, n)
                        for i in 0..<n { buffers.real[i] *= w[i] }
                        self.plan.forward(buffers)
                        (outBase + 2 * bins * j).update(from: buffers.complexFloats, count: 2 * bins)
                    }
                }
                runWorkers(threads, work)
            }
        }
        return output
    }

    /// The signal of exactly `length` samples whose STFT is (closest to) `spectrogram`.
    /// - Parameter spectrogram: `[binCount × frames]`; its row count must equal `binCount`.
    public func inverse(_ spectrogram: ComplexMatrix, length: Int, threadCount: Int? = nil) -> [Float] {
        precondition(spectrogram.rows == configuration.binCount, "spectrogram has \(spectrogram.rows) bins, expected \(configuration.binCount)")
        let synthesizer = OverlapAddSynthesizer(transform: self, frameCount: spectrogram.columns, length: length)
        synthesizer.add(spectrogram, threadCount: threadCount)
        return synthesizer.finish()
    }
}
