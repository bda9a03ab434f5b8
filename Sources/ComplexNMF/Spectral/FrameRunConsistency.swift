import Foundation

/// The inconsistency of a run of STFT frames taken alone: `Q X = X − STFT(ISTFT(X))`, where the
/// inverse is the least-squares overlap-add of just these frames (normalised by their own sum of
/// squared windows) and the forward transform frames the result again at the same positions.
///
/// `P = STFT∘ISTFT` is the orthogonal projection onto the spectrograms of some signal (the
/// *consistent* ones) for the inner product that counts every bin but DC and Nyquist twice
/// (`FrameRunConsistency.binWeight`), i.e. the inner product of the full two-sided spectra; so
/// `Q = I − P` is self-adjoint, idempotent and zero on any consistent run of frames. Padding
/// modes and the signal's length play no part: the run's samples are free variables.
///
/// One value serves any number of threads; each thread brings its own `Scratch`.
public struct FrameRunConsistency: Sendable {
    /// The transform whose frames these are (FFT size, hop, window).
    public let transform: ShortTimeFourierTransform

    /// Per-thread scratch: FFT buffers and the run's samples.
    public final class Scratch: @unchecked Sendable {
        let fft: FFTPlan.Buffers
        var samples: [Float] = []
        var inverseEnvelope: [Float] = []
        var envelopeFrames = -1
        init(plan: FFTPlan) { fft = plan.makeBuffers() }
    }

    /// A projection for `transform`'s frames.
    public init(transform: ShortTimeFourierTransform) { self.transform = transform }

    /// Fresh scratch for one thread.
    public func makeScratch() -> Scratch { Scratch(plan: transform.plan) }

    /// Weight of bin `f` in the inner product that makes `Q` self-adjoint: 1 for DC and Nyquist,
    /// 2 for every other bin of the one-sided spectrum.
    public static func binWeight(_ f: Int, binCount: Int) -> Double {
        f == 0 || f == binCount - 1 ? 1 : 2
    }

    /// `out ← x − STFT(ISTFT(x))` for `frames` frames of interleaved complex bins
    /// (`[binCount × frames]`, column-major). `out` may not alias `x`.
    public func inconsistency(of x: UnsafePointer<Float>, frames: Int, into out: UnsafeMutablePointer<Float>, scratch: Scratch) {
        guard frames > 0 else { return }
        let config = transform.configuration
        let n = config.fftSize, bins = config.binCount, hop = config.hopLength
        let sampleCount = (frames - 1) * hop + n
        prepareEnvelope(frames: frames, scratch: scratch)
        if scratch.samples.count < sampleCount { scratch.samples = [Float](repeating: 0, count: sampleCount) }
        let plan = transform.plan, buffers = scratch.fft
        let scale = 1 / Float(n)
        transform.window.withUnsafeBufferPointer { windowValues in
        scratch.samples.withUnsafeMutableBufferPointer { samples in
        scratch.inverseEnvelope.withUnsafeBufferPointer { inverseEnvelope in
            let w = windowValues.baseAddress!, s = samples.baseAddress!
            s.update(repeating: 0, count: sampleCount)
            // Least-squares overlap-add of the run's frames.
            for t in 0..<frames {
                buffers.complexFloats.update(from: x + 2 * bins * t, count: 2 * bins)
                plan.inverse(buffers)
                let target = s + t * hop, real = buffers.real
                for j in 0..<n { target[j] += real[j] * scale * w[j] }
            }
            for i in 0..<sampleCount { s[i] *= inverseEnvelope[i] }
            // Framed again; the difference is the inconsistency.
            for t in 0..<frames {
                let source = s + t * hop, real = buffers.real
                for j in 0..<n { real[j] = source[j] * w[j] }
                plan.forward(buffers)
                let consistent = buffers.complexFloats, input = x + 2 * bins * t, target = out + 2 * bins * t
                for i in 0..<(2 * bins) { target[i] = input[i] - consistent[i] }
            }
        }}}
    }

    /// `1 / Σ_t w²[i − t·hop]` over the run's frames, or 1 where that sum is below the smallest
    /// normal Float (as `ShortTimeFourierTransform.inverse` does).
    private func prepareEnvelope(frames: Int, scratch: Scratch) {
        guard scratch.envelopeFrames != frames else { return }
        let config = transform.configuration
        let n = config.fftSize, hop = config.hopLength
        var envelope = [Double](repeating: 0, count: (frames - 1) * hop + n)
        for t in 0..<frames {
            for j in 0..<n { let x = Double(transform.window[j]); envelope[t * hop + j] += x * x }
        }
        scratch.inverseEnvelope = envelope.map { Float($0) > Float.leastNormalMagnitude ? Float(1 / $0) : 1 }
        scratch.envelopeFrames = frames
    }
}
