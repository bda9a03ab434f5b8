import Foundation
import Testing
@testable import ComplexNMF

extension EvaluationTests {
    /// Wall-clock time of a realistic evaluation: 4 sources × 10 s at 22 050 Hz, filter length 512.
    /// Off by default (it takes minutes in a debug build). Run in release:
    ///
    ///     CNMF_EVALUATION_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing \
    ///         --filter BSSEvalBenchmark
    @Suite(.enabled(if: ProcessInfo.processInfo.environment["CNMF_EVALUATION_BENCHMARK"] != nil))
    struct BSSEvalBenchmark {
        static let rate = 22_050

        static func signals() -> (references: [AudioSignal], estimates: [AudioSignal]) {
            let count = 10 * rate
            let references = (0..<4).map { s -> [Float] in
                let noise = testNoise(count: count, seed: UInt64(100 + s), amplitude: 0.05)
                let f0 = 110.0 * Double(s + 2)
                return (0..<count).map { n in
                    let t = Double(n) / Double(rate)
                    return Float(0.3 * sin(2 * .pi * f0 * t) + 0.1 * sin(2 * .pi * 3 * f0 * t)) + noise[n]
                }
            }
            let estimates = (0..<4).map { j -> [Float] in
                let noise = testNoise(count: count, seed: UInt64(200 + j), amplitude: 0.02)
                return (0..<count).map { n in
                    references[j][n] + 0.2 * references[(j + 1) % 4][n] + (n >= 5 ? 0.3 * references[j][n - 5] : 0) + noise[n]
                }
            }
            let wrap = { (x: [Float]) in AudioSignal(sampleRate: rate, channels: [x]) }
            return (references.map(wrap), estimates.map(wrap))
        }

        @Test(arguments: [false, true])
        func fourSourcesOfTenSeconds(computePermutation: Bool) throws {
            let (references, estimates) = Self.signals()
            let start = Date()
            let scores = try BSSEval.evaluate(
                references: references, estimates: estimates,
                configuration: BSSEval.Configuration(computePermutation: computePermutation))
            let seconds = Date().timeIntervalSince(start)
            print("BSS Eval, 4 sources × 10 s at 22 050 Hz, permutation \(computePermutation), "
                  + "\(availableCoreCount) cores: \(String(format: "%.2f", seconds)) s")
            print(EvaluationTable.format(scores), terminator: "")
            #expect(scores.permutation == [0, 1, 2, 3])
            #expect(seconds < 10, "a few seconds expected in a release build: \(seconds) s")
        }
    }
}
