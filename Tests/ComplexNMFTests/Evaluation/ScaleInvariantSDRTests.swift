import Foundation
import Testing
@testable import ComplexNMF

extension EvaluationTests {
    @Suite struct ScaleInvariantSDRTests {
        let reference = testNoise(count: 4_000, seed: 11)
        var estimate: [Float] { zip(reference, testNoise(count: 4_000, seed: 12, amplitude: 0.1)).map { $0 + $1 } }

        /// The worked example of torchmetrics' documentation (no mean removal): 18.4030 dB.
        @Test func matchesTheTorchmetricsExample() throws {
            let value = try ScaleInvariantSDR.evaluate(reference: [3, -0.5, 2, 7], estimate: [2.5, 0, 2, 8])
            #expect(abs(value! - 18.40299157132488) < 1e-9)
            // numpy with both signals made zero-mean first: 15.0918 dB.
            let centred = try ScaleInvariantSDR.evaluate(reference: [3, -0.5, 2, 7], estimate: [2.5, 0, 2, 8], removeMean: true)
            #expect(abs(centred! - 15.091756165757424) < 1e-9)
        }

        @Test(arguments: [Float(0.01), 0.5, 7, -3])
        func isInvariantToScalingTheEstimate(gain: Float) throws {
            let plain = try ScaleInvariantSDR.evaluate(reference: reference, estimate: estimate)!
            let scaled = try ScaleInvariantSDR.evaluate(reference: reference, estimate: estimate.map { $0 * gain })!
            #expect(abs(plain - scaled) < 1e-5, "\(plain) dB vs \(scaled) dB at gain \(gain)")
            #expect(abs(plain - 14) < 1, "uniform noise of 1/5 the amplitude is ≈ 14 dB down: \(plain) dB")
        }

        @Test func removeMeanIgnoresADCOffset() throws {
            let offset = estimate.map { $0 + 0.3 }
            let plainClean = try ScaleInvariantSDR.evaluate(reference: reference, estimate: estimate)!
            let plainOffset = try ScaleInvariantSDR.evaluate(reference: reference, estimate: offset)!
            #expect(plainOffset < plainClean - 3, "without mean removal the offset is distortion")
            let centredClean = try ScaleInvariantSDR.evaluate(reference: reference, estimate: estimate, removeMean: true)!
            let centredOffset = try ScaleInvariantSDR.evaluate(reference: reference, estimate: offset, removeMean: true)!
            #expect(abs(centredClean - centredOffset) < 1e-4)
        }

        @Test func exactMultipleIsInfiniteAndOrthogonalIsMinusInfinite() throws {
            #expect(try ScaleInvariantSDR.evaluate(reference: reference, estimate: reference.map { $0 * 2 }) == .infinity)
            #expect(try ScaleInvariantSDR.evaluate(reference: [1, 0, 0, 0], estimate: [0, 1, 0, 0]) == -.infinity)
        }

        @Test func silentSignalsAreUndefined() throws {
            let silence = [Float](repeating: 0, count: reference.count)
            #expect(try ScaleInvariantSDR.evaluate(reference: silence, estimate: estimate) == nil)
            #expect(try ScaleInvariantSDR.evaluate(reference: reference, estimate: silence) == nil)
        }

        @Test func lengthMismatchNamesBothLengths() {
            #expect {
                _ = try ScaleInvariantSDR.evaluate(reference: reference, estimate: Array(estimate.prefix(3_999)))
            } throws: { error in
                let text = "\(error)"
                return text.contains("4000") && text.contains("3999")
            }
        }

        @Test func nonFiniteSamplesAreRejected() {
            var bad = estimate
            bad[17] = .nan
            #expect(throws: ComplexNMFError.self) { _ = try ScaleInvariantSDR.evaluate(reference: reference, estimate: bad) }
        }
    }
}
