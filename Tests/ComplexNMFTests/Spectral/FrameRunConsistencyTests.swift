import Foundation
import Testing
@testable import ComplexNMF

/// `Q = I − STFT∘ISTFT` of a run of frames: zero on consistent runs, a projection, self-adjoint
/// in the two-sided inner product (what the conjugate-gradient solver relies on).
@Suite struct FrameRunConsistencyTests {
    static let config = STFTConfiguration(fftSize: 64, hopLength: 16)

    static func random(bins: Int, frames: Int, seed: UInt64) -> [Float] {
        var random = SeededRandomGenerator(seed: seed)
        return (0..<(2 * bins * frames)).map { _ in Float.random(in: -1...1, using: &random) }
    }

    static func apply(_ q: FrameRunConsistency, _ x: [Float], frames: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        let scratch = q.makeScratch()
        x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { q.inconsistency(of: x.baseAddress!, frames: frames, into: $0.baseAddress!, scratch: scratch) } }
        return out
    }

    static func dot(_ a: [Float], _ b: [Float], bins: Int) -> Double {
        var sum = 0.0
        for i in stride(from: 0, to: a.count, by: 2) {
            let f = (i / 2) % bins
            sum += FrameRunConsistency.binWeight(f, binCount: bins) * (Double(a[i]) * Double(b[i]) + Double(a[i + 1]) * Double(b[i + 1]))
        }
        return sum
    }

    @Test(arguments: [0..<12, 5..<9, 30..<31, 0..<44])
    func framesOfASignalAreConsistent(frames: Range<Int>) throws {
        let stft = try ShortTimeFourierTransform(configuration: Self.config)
        var random = SeededRandomGenerator(seed: 7)
        let signal = (0..<700).map { _ in Float.random(in: -1...1, using: &random) }
        let run = stft.forward(signal, frames: frames)
        let q = Self.apply(FrameRunConsistency(transform: stft), run.values, frames: frames.count)
        let scale = run.values.map(abs).max()!
        let worst = q.map(abs).max()!
        #expect(worst <= 2e-5 * scale, "frames \(frames): max |Q X| = \(worst), max |X| = \(scale)")
    }

    @Test func inconsistencyIsASelfAdjointProjection() throws {
        let stft = try ShortTimeFourierTransform(configuration: Self.config)
        let q = FrameRunConsistency(transform: stft), bins = Self.config.binCount, frames = 9
        let x = Self.random(bins: bins, frames: frames, seed: 1), y = Self.random(bins: bins, frames: frames, seed: 2)
        let qx = Self.apply(q, x, frames: frames), qy = Self.apply(q, y, frames: frames)
        // A random run is far from consistent ...
        #expect(Self.dot(qx, qx, bins: bins) > 0.3 * Self.dot(x, x, bins: bins))
        // ... Q is idempotent ...
        let qqx = Self.apply(q, qx, frames: frames)
        #expect(zip(qqx, qx).map { abs($0 - $1) }.max()! <= 1e-5 * qx.map(abs).max()!)
        // ... and self-adjoint for the two-sided inner product (not for the plain one-sided one).
        let left = Self.dot(qx, y, bins: bins), right = Self.dot(x, qy, bins: bins)
        #expect(abs(left - right) <= 1e-5 * Self.dot(x, x, bins: bins), "⟨Qx, y⟩ = \(left), ⟨x, Qy⟩ = \(right)")
    }
}
