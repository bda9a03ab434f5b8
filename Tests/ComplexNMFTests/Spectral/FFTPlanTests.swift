import Foundation
import Testing
@testable import ComplexNMF

@Suite struct FFTPlanTests {
    /// Every size with shipped wisdom: planned from it wherever this FFTW is the library it was
    /// made with (else by FFTW_ESTIMATE), and both directions agree with an FFT in double.
    @Test(arguments: FFTWisdom.shipped.keys.sorted())
    func shippedWisdomPlansMatchAnFFTInDouble(size: Int) {
        let plan = FFTPlan.shared(size: size)
        let expected: FFTPlan.Source = FFTWisdom.matchesLibrary ? .shippedWisdom : .estimate
        #expect(plan.source(inverse: false) == expected)
        #expect(plan.source(inverse: true) == expected)
        expectTransformsMatchDouble(plan)
    }

    /// A size without shipped wisdom is planned by FFTW_ESTIMATE, and is as exact.
    @Test(arguments: [1000, 1536])
    func otherSizesArePlannedByEstimate(size: Int) {
        #expect(FFTWisdom.shipped[size] == nil)
        let plan = FFTPlan.shared(size: size)
        #expect(plan.source(inverse: false) == .estimate)
        #expect(plan.source(inverse: true) == .estimate)
        expectTransformsMatchDouble(plan)
    }

    /// r2c of seeded noise against `referenceDFT`, and c2r of that spectrum back (n·x): the
    /// error relative to the whole vector's norm, ≈ ε·log₂ n for a float FFT.
    private func expectTransformsMatchDouble(_ plan: FFTPlan) {
        let n = plan.size
        let signal = testNoise(count: n, seed: UInt64(n))
        let reference = referenceDFT(signal.map(Double.init))
        let buffers = plan.makeBuffers()
        for i in 0..<n { buffers.real[i] = signal[i] }
        plan.forward(buffers)
        var error = 0.0, norm = 0.0
        for k in 0...(n / 2) {
            let re = Double(buffers.complexFloats[2 * k]), im = Double(buffers.complexFloats[2 * k + 1])
            error += (re - reference[k].re) * (re - reference[k].re) + (im - reference[k].im) * (im - reference[k].im)
            norm += reference[k].re * reference[k].re + reference[k].im * reference[k].im
        }
        #expect((error / norm).squareRoot() < 2e-6, "r2c of \(n) points: relative error \((error / norm).squareRoot())")
        plan.inverse(buffers)
        error = 0
        norm = 0
        for i in 0..<n {
            let expected = Double(n) * Double(signal[i]), actual = Double(buffers.real[i])
            error += (actual - expected) * (actual - expected)
            norm += expected * expected
        }
        #expect((error / norm).squareRoot() < 2e-6, "c2r of \(n) points: relative error \((error / norm).squareRoot())")
    }

    /// Bins 0 … n/2 of the DFT of `x` in double: iterative radix-2 for powers of two, the direct
    /// sum otherwise.
    private func referenceDFT(_ x: [Double]) -> [(re: Double, im: Double)] {
        let n = x.count
        guard n & (n - 1) == 0 else {
            return (0...(n / 2)).map { k in
                var re = 0.0, im = 0.0
                for t in 0..<n {
                    let angle = -2 * Double.pi * Double(k * t % n) / Double(n)
                    re += x[t] * cos(angle)
                    im += x[t] * sin(angle)
                }
                return (re, im)
            }
        }
        var re = x, im = [Double](repeating: 0, count: n)
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var length = 2
        while length <= n {
            for start in stride(from: 0, to: n, by: length) {
                for m in 0..<(length / 2) {
                    let angle = -2 * Double.pi * Double(m) / Double(length)
                    let wr = cos(angle), wi = sin(angle)
                    let a = start + m, b = a + length / 2
                    let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr
                    im[b] = im[a] - ti
                    re[a] += tr
                    im[a] += ti
                }
            }
            length <<= 1
        }
        return (0...(n / 2)).map { (re[$0], im[$0]) }
    }
}
