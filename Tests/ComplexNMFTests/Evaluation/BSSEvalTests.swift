import Foundation
import Testing
@testable import ComplexNMF

/// A naive BSS Eval: the delayed copies are written out as columns, orthonormalised by
/// Gram–Schmidt (twice, for accuracy), and the estimate projected on them. Independent of the
/// library's normal equations, lag bookkeeping and LAPACK.
enum NaiveBSSEval {
    /// Projection of `x` (length N + L − 1) onto the span of the delayed copies of `sources`.
    static func project(_ x: [Double], onto sources: [[Float]], filterLength: Int) -> [Double] {
        let count = sources[0].count, outputCount = count + filterLength - 1
        var basis: [[Double]] = []
        for source in sources {
            for delay in 0..<filterLength {
                var column = [Double](repeating: 0, count: outputCount)
                for n in 0..<count { column[n + delay] = Double(source[n]) }
                for _ in 0..<2 {
                    for q in basis {
                        let dot = zip(q, column).reduce(0) { $0 + $1.0 * $1.1 }
                        for n in 0..<outputCount { column[n] -= dot * q[n] }
                    }
                }
                let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
                basis.append(column.map { $0 / norm })
            }
        }
        var projection = [Double](repeating: 0, count: outputCount)
        for q in basis {
            let dot = zip(q, x).reduce(0) { $0 + $1.0 * $1.1 }
            for n in 0..<outputCount { projection[n] += dot * q[n] }
        }
        return projection
    }

    /// (SDR, SIR, SAR) of `estimate` against reference `j`.
    static func scores(references: [[Float]], estimate: [Float], j: Int, filterLength: Int) -> (Double, Double, Double) {
        let x = estimate.map(Double.init) + [Double](repeating: 0, count: filterLength - 1)
        let target = project(x, onto: [references[j]], filterLength: filterLength)
        let all = project(x, onto: references, filterLength: filterLength)
        let energy = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 } }
        let minus = { (a: [Double], b: [Double]) in zip(a, b).map { $0 - $1 } }
        let db = { (a: Double, b: Double) in 10 * log10(a / b) }
        return (db(energy(target), energy(minus(x, target))),
                db(energy(target), energy(minus(all, target))),
                db(energy(all), energy(minus(x, all))))
    }
}

extension EvaluationTests {
    @Suite struct BSSEvalTests {
        /// Three noise sources of `count` samples and estimates that mix them with leakage, a delay
        /// and noise.
        static func fixture(count: Int) -> (references: [[Float]], estimates: [[Float]]) {
            let references = (0..<3).map { testNoise(count: count, seed: UInt64(40 + $0)) }
            let estimates = (0..<3).map { j -> [Float] in
                let own = references[j], other = references[(j + 1) % 3]
                let noise = testNoise(count: count, seed: UInt64(50 + j), amplitude: 0.05)
                return (0..<count).map { n in
                    let delayed: Float = n >= 2 ? own[n - 2] : 0
                    return 0.8 * own[n] + 0.3 * delayed + 0.2 * other[n] + noise[n]
                }
            }
            return (references, estimates)
        }

        @Test func defaultsAreTheDocumentedOnes() {
            let configuration = BSSEval.Configuration()
            #expect(configuration.filterLength == 512)
            #expect(configuration.computePermutation == false)
            #expect(configuration.threadCount == availableCoreCount)
        }

        @Test(arguments: [1, 4, 9])
        func matchesANaiveProjection(filterLength: Int) throws {
            let (references, estimates) = Self.fixture(count: 300)
            let result = try BSSEval.evaluate(
                references: references, estimates: estimates,
                configuration: BSSEval.Configuration(filterLength: filterLength))
            for j in 0..<3 {
                let (sdr, sir, sar) = NaiveBSSEval.scores(
                    references: references, estimate: estimates[j], j: j, filterLength: filterLength)
                #expect(abs(result.sdr[j]! - sdr) < 1e-8, "SDR[\(j)] \(result.sdr[j]!) vs naive \(sdr)")
                #expect(abs(result.sir[j]! - sir) < 1e-8, "SIR[\(j)] \(result.sir[j]!) vs naive \(sir)")
                #expect(abs(result.sar[j]! - sar) < 1e-8, "SAR[\(j)] \(result.sar[j]!) vs naive \(sar)")
            }
        }

        @Test func perfectEstimateScoresAboveTwoHundredDB() throws {
            let (references, _) = Self.fixture(count: 4_000)
            let scores = try BSSEval.evaluate(
                references: references.map { AudioSignal(sampleRate: 8_000, channels: [$0]) },
                estimates: references.map { AudioSignal(sampleRate: 8_000, channels: [$0]) })
            for source in scores.sources {
                for value in [source.sdr, source.sir, source.sar] { #expect(value! > 200, "\(source)") }
                #expect(source.siSDR == .infinity)
            }
        }

        /// BSS Eval forgives a filter shorter than `filterLength`; SI-SDR does not. (The references
        /// end in silence, so cutting the filtered signal to the reference length loses nothing.)
        @Test func filteredReferenceKeepsAVeryHighSDR() throws {
            let references = Self.fixture(count: 4_000).references.map { Array($0.prefix(3_900)) + [Float](repeating: 0, count: 100) }
            // y[n] = x[n] − 0.8·x[n − 3] + 0.25·x[n − 40]
            let filtered = references.map { (s: [Float]) -> [Float] in
                (0..<s.count).map { (n: Int) -> Float in
                    let three: Float = n >= 3 ? s[n - 3] : 0
                    let forty: Float = n >= 40 ? s[n - 40] : 0
                    return s[n] - 0.8 * three + 0.25 * forty
                }
            }
            let scores = try BSSEval.evaluate(
                references: references.map { AudioSignal(sampleRate: 8_000, channels: [$0]) },
                estimates: filtered.map { AudioSignal(sampleRate: 8_000, channels: [$0]) })
            for source in scores.sources {
                #expect(source.sdr! > 100, "\(source)")
                #expect(source.siSDR! < 3, "\(source)")
            }
        }

        @Test func permutationSearchFindsShuffledEstimates() throws {
            let references = (0..<4).map { testNoise(count: 2_000, seed: UInt64(60 + $0)) }
            let order = [3, 0, 2, 1]  // estimate e holds source order[e]
            let estimates = order.map { j in
                zip(references[j], testNoise(count: 2_000, seed: UInt64(70 + j), amplitude: 0.1)).map { $0 + $1 }
            }
            let configuration = BSSEval.Configuration(filterLength: 32, computePermutation: true)
            let result = try BSSEval.evaluate(references: references, estimates: estimates, configuration: configuration)
            #expect(result.permutation == [1, 3, 2, 0])
            let inOrder = try BSSEval.evaluate(
                references: references, estimates: result.permutation.map { estimates[$0] },
                configuration: BSSEval.Configuration(filterLength: 32))
            #expect(inOrder.sdr == result.sdr && inOrder.sir == result.sir && inOrder.sar == result.sar)
            #expect(result.sdr.allSatisfy { $0! > 12 }, "noise ≈ 14 dB down: \(result.sdr)")
        }

        /// Given order and the permutation search agree when the given order is already the best.
        @Test func permutationSearchKeepsACorrectOrder() throws {
            let (references, estimates) = Self.fixture(count: 1_500)
            let given = try BSSEval.evaluate(
                references: references, estimates: estimates, configuration: BSSEval.Configuration(filterLength: 64))
            let searched = try BSSEval.evaluate(
                references: references, estimates: estimates,
                configuration: BSSEval.Configuration(filterLength: 64, computePermutation: true))
            #expect(searched.permutation == [0, 1, 2])
            #expect(searched == given)
        }

        @Test func lengthMismatchNamesBothLengths() {
            let (references, estimates) = Self.fixture(count: 1_000)
            var short = estimates
            short[1].removeLast()
            #expect {
                _ = try BSSEval.evaluate(references: references, estimates: short)
            } throws: { error in
                let text = "\(error)"
                return text.contains("estimates[1]") && text.contains("1000") && text.contains("999")
            }
            let named = { (signals: [[Float]]) in signals.map { AudioSignal(sampleRate: 8_000, channels: [$0]) } }
            #expect {
                _ = try BSSEval.evaluate(references: named(references), estimates: named(short), names: ["a", "flute", "c"])
            } throws: { error in
                "\(error)".contains("estimates[1] ('flute')") && "\(error)".contains("1000") && "\(error)".contains("999")
            }
        }

        @Test func inconsistentInputsAreRejected() {
            let (references, estimates) = Self.fixture(count: 500)
            #expect(throws: ComplexNMFError.self) { _ = try BSSEval.evaluate(references: references, estimates: Array(estimates.prefix(2))) }
            var nan = estimates
            nan[2][10] = .infinity
            #expect(throws: ComplexNMFError.self) { _ = try BSSEval.evaluate(references: references, estimates: nan) }
            #expect(throws: ComplexNMFError.self) {
                _ = try BSSEval.evaluate(references: references, estimates: estimates, configuration: BSSEval.Configuration(filterLength: 0))
            }
            let mono = AudioSignal(sampleRate: 8_000, channels: [references[0]])
            #expect(throws: ComplexNMFError.self) {
                _ = try BSSEval.evaluate(references: [mono], estimates: [AudioSignal(sampleRate: 16_000, channels: [estimates[0]])])
            }
            #expect(throws: ComplexNMFError.self) {
                _ = try BSSEval.evaluate(references: [mono], estimates: [AudioSignal(sampleRate: 8_000, channels: [estimates[0], estimates[0]])])
            }
        }

        /// A silent reference has no scores and spans nothing: the other sources score exactly as if
        /// it were absent.
        @Test func silentReferenceIsUndefinedAndLeftOutOfTheInterference() throws {
            let (references, estimates) = Self.fixture(count: 1_500)
            var withSilence = references
            withSilence[1] = [Float](repeating: 0, count: 1_500)
            let configuration = BSSEval.Configuration(filterLength: 64)
            let result = try BSSEval.evaluate(references: withSilence, estimates: estimates, configuration: configuration)
            #expect(result.sdr[1] == nil && result.sir[1] == nil && result.sar[1] == nil)
            let without = try BSSEval.evaluate(
                references: [references[0], references[2]], estimates: [estimates[0], estimates[2]], configuration: configuration)
            for (j, k) in [(0, 0), (2, 1)] {
                #expect(abs(result.sdr[j]! - without.sdr[k]!) < 1e-9)
                #expect(abs(result.sir[j]! - without.sir[k]!) < 1e-9)
                #expect(abs(result.sar[j]! - without.sar[k]!) < 1e-9)
            }
        }

        /// A silent estimate has no scores; the others are unchanged (P_all depends on references only).
        @Test func silentEstimateIsUndefinedAndOthersAreUnchanged() throws {
            let (references, estimates) = Self.fixture(count: 1_500)
            var withSilence = estimates
            withSilence[0] = [Float](repeating: 0, count: 1_500)
            let configuration = BSSEval.Configuration(filterLength: 64)
            let result = try BSSEval.evaluate(references: references, estimates: withSilence, configuration: configuration)
            let full = try BSSEval.evaluate(references: references, estimates: estimates, configuration: configuration)
            #expect(result.sdr[0] == nil && result.sir[0] == nil && result.sar[0] == nil)
            #expect(Array(result.sdr[1...]) == Array(full.sdr[1...]))
            #expect(Array(result.sir[1...]) == Array(full.sir[1...]))

            let scores = try BSSEval.evaluate(
                references: references.map { AudioSignal(sampleRate: 8_000, channels: [$0]) },
                estimates: withSilence.map { AudioSignal(sampleRate: 8_000, channels: [$0]) })
            #expect(scores.sources[0].siSDR == nil)
            #expect(EvaluationTable.format(scores).contains("n/a"))
        }

        /// With the search on, the silent estimate is left to the reference no other estimate fits.
        @Test func permutationSearchPlacesASilentEstimateLast() throws {
            let (references, estimates) = Self.fixture(count: 1_500)
            let shuffled = [estimates[1], [Float](repeating: 0, count: 1_500), estimates[0]]
            let result = try BSSEval.evaluate(
                references: references, estimates: shuffled,
                configuration: BSSEval.Configuration(filterLength: 64, computePermutation: true))
            #expect(result.permutation == [2, 0, 1])
            #expect(result.sdr[2] == nil && result.sdr[0] != nil)
        }

        /// One source: nothing can interfere, so SIR is +inf (as mir_eval), and JSON can carry it.
        @Test func singleSourceHasInfiniteSIR() throws {
            let (references, estimates) = Self.fixture(count: 1_000)
            let result = try BSSEval.evaluate(
                references: [references[0]], estimates: [estimates[0]], configuration: BSSEval.Configuration(filterLength: 16))
            #expect(result.sir == [.infinity])
            #expect(result.sdr[0]!.isFinite && result.sdr[0] == result.sar[0])
        }

        /// Identical references make the Gram matrix singular: the pivoted Cholesky drops the
        /// duplicate copies and the projection (hence SDR, SAR) is that of the single reference.
        @Test func duplicateReferencesDoNotBreakTheSolver() throws {
            let (references, estimates) = Self.fixture(count: 1_000)
            let configuration = BSSEval.Configuration(filterLength: 32)
            let single = try BSSEval.evaluate(references: [references[0]], estimates: [estimates[0]], configuration: configuration)
            let doubled = try BSSEval.evaluate(
                references: [references[0], references[0]], estimates: [estimates[0], estimates[0]], configuration: configuration)
            for j in 0..<2 {
                #expect(abs(doubled.sdr[j]! - single.sdr[0]!) < 1e-6)
                #expect(abs(doubled.sar[j]! - single.sar[0]!) < 1e-6)
                #expect(doubled.sir[j]! > 100, "the duplicate explains nothing new: \(doubled.sir[j]!)")
            }
        }

        /// Each channel is scored alone and the metric is the mean over channels.
        @Test func multichannelIsTheMeanOfTheChannels() throws {
            let (left, leftEstimates) = Self.fixture(count: 800)
            let right = left.map { $0.reversed() as [Float] }
            let rightEstimates = leftEstimates.map { $0.reversed().map { $0 * 0.5 } as [Float] }
            let configuration = BSSEval.Configuration(filterLength: 16)
            let stereo = try BSSEval.evaluate(
                references: (0..<3).map { AudioSignal(sampleRate: 8_000, channels: [left[$0], right[$0]]) },
                estimates: (0..<3).map { AudioSignal(sampleRate: 8_000, channels: [leftEstimates[$0], rightEstimates[$0]]) },
                configuration: configuration)
            let l = try BSSEval.evaluate(references: left, estimates: leftEstimates, configuration: configuration)
            let r = try BSSEval.evaluate(references: right, estimates: rightEstimates, configuration: configuration)
            for j in 0..<3 {
                #expect(abs(stereo.sources[j].sdr! - (l.sdr[j]! + r.sdr[j]!) / 2) < 1e-9)
                #expect(abs(stereo.sources[j].sar! - (l.sar[j]! + r.sar[j]!) / 2) < 1e-9)
            }
            #expect(stereo.channelCount == 2 && stereo.sampleCount == 800)
        }
    }
}
