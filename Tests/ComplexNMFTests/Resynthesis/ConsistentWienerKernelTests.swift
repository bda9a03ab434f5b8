import CConsistentWienerKernel
import Testing
@testable import ComplexNMF

/// The C passes of the consistent Wiener solver in every build of the loops (portable, AVX2 + FMA,
/// AVX-512; each capped by what this CPU runs) against the formulas of CConsistentWienerKernel.h
/// evaluated in Double: within float rounding (the builds differ only by fused roundings), on
/// the frames asked for and no others, with an odd bin count so that no frame is a whole number
/// of vectors.
@Suite struct ConsistentWienerKernelTests {
    static let outputs = 3, bins = 37, frames = 5, first = 1, last = 4
    static var n: Int { 2 * bins }
    static var stride: Int { n * frames }

    /// `outputs` blocks of `stride` floats in `range`.
    static func values(_ range: ClosedRange<Float>, _ random: inout SeededRandomGenerator, count: Int = outputs * stride) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &random) }
    }

    /// Per-entry weights, each duplicated for re and im, some entries zero in every output.
    static func weights(_ random: inout SeededRandomGenerator) -> [Float] {
        var w = [Float](repeating: 0, count: outputs * stride)
        for a in 0..<outputs {
            for t in 0..<frames {
                for f in 0..<bins where f % 7 != 3 {
                    let value = Float.random(in: 0.1...2, using: &random)
                    w[a * stride + n * t + 2 * f] = value
                    w[a * stride + n * t + 2 * f + 1] = value
                }
            }
        }
        return w
    }

    static let binWeight: [Float] = (0..<(2 * bins)).map { i in i / 2 == 0 || i / 2 == bins - 1 ? 1 : 2 }

    static func index(_ a: Int, _ t: Int, _ i: Int) -> Int { a * stride + n * t + i }

    /// Entries of frames outside [first, last) are untouched; inside, each is within `tolerance`
    /// of `expected` relative to the largest |expected|.
    static func check(_ got: [Float], _ expected: [Double], _ before: [Float], _ what: String, _ level: KernelInstructionSet) {
        let scale = expected.map(abs).max() ?? 1
        var worst = 0.0
        for a in 0..<outputs {
            for t in 0..<frames {
                for i in 0..<n {
                    let j = index(a, t, i)
                    if t < first || t >= last {
                        #expect(got[j].bitPattern == before[j].bitPattern, "\(what) \(level): frame \(t) was changed")
                    } else {
                        worst = max(worst, abs(Double(got[j]) - expected[j]) / scale)
                    }
                }
            }
        }
        #expect(worst < 1e-6, "\(what) \(level): relative difference \(worst)")
    }

    static func checkSums(_ got: [Double], _ expected: [Double], _ what: String, _ level: KernelInstructionSet) {
        for t in first..<last {
            #expect(abs(got[t] - expected[t]) <= 1e-5 * abs(expected[t]), "\(what) \(level): frame \(t) sum \(got[t]) vs \(expected[t])")
        }
    }

    @Test(arguments: KernelInstructionSet.allCases)
    func applyOperatorMatchesItsFormula(level: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 1)
        let x = Self.values(-1...1, &random), inversePower = Self.values(0...3, &random), start = Self.values(-1...1, &random)
        let gamma: Float = 0.37
        var expected = start.map(Double.init), sums = [Double](repeating: 0, count: Self.frames)
        for t in Self.first..<Self.last {
            for a in 0..<Self.outputs {
                for i in 0..<Self.n {
                    let j = Self.index(a, t, i)
                    expected[j] = Double(x[j]) * Double(inversePower[j]) + Double(gamma) * Double(start[j])
                    sums[t] += Double(Self.binWeight[i]) * Double(x[j]) * expected[j]
                }
            }
        }
        var out = start, frameSums = [Double](repeating: .nan, count: Self.frames)
        cw_apply_operator(level.level, Int32(Self.outputs), Int32(Self.bins), Self.stride, Int32(Self.first), Int32(Self.last),
                          x, &out, inversePower, gamma, Self.binWeight, &frameSums)
        Self.check(out, expected, start, "out", level)
        Self.checkSums(frameSums, sums, "⟨x, Qx⟩", level)
    }

    @Test(arguments: KernelInstructionSet.allCases)
    func stepAndProjectMatchesItsFormula(level: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 2)
        let p = Self.values(-1...1, &random), w = Self.weights(&random)
        let s0 = Self.values(-1...1, &random), q0 = Self.values(-1...1, &random), r0 = Self.values(-1...1, &random)
        let alpha: Float = 0.61
        var s = s0.map(Double.init), r = r0.map(Double.init), z = q0.map(Double.init)
        var sums = [Double](repeating: 0, count: Self.frames)
        for t in Self.first..<Self.last {
            for i in 0..<Self.n {
                var weighted = 0.0, total = 0.0
                for a in 0..<Self.outputs {
                    let j = Self.index(a, t, i)
                    s[j] += Double(alpha) * Double(p[j])
                    r[j] -= Double(alpha) * Double(q0[j])
                    weighted += Double(w[j]) * r[j]
                    total += Double(w[j])
                }
                let mean = total > 0 ? weighted / total : 0
                for a in 0..<Self.outputs {
                    let j = Self.index(a, t, i)
                    r[j] -= mean
                    z[j] = Double(w[j]) * r[j]
                    sums[t] += Double(Self.binWeight[i]) * r[j] * z[j]
                }
            }
        }
        var sOut = s0, qOut = q0, rOut = r0, scratch = [Float](repeating: 0, count: 4 * Self.bins)
        var frameSums = [Double](repeating: .nan, count: Self.frames)
        cw_step_and_project(level.level, Int32(Self.outputs), Int32(Self.bins), Self.stride, Int32(Self.first), Int32(Self.last),
                            1, alpha, &sOut, p, &qOut, &rOut, w, Self.binWeight, &scratch, &frameSums)
        Self.check(sOut, s, s0, "s", level)
        Self.check(rOut, r, r0, "r", level)
        Self.check(qOut, z, q0, "z", level)
        Self.checkSums(frameSums, sums, "⟨r, z⟩", level)
    }

    @Test(arguments: KernelInstructionSet.allCases)
    func updateDirectionMatchesItsFormula(level: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 3)
        let z = Self.values(-1...1, &random), p0 = Self.values(-1...1, &random)
        let beta: Float = 0.83
        var expected = p0.map(Double.init)
        for a in 0..<Self.outputs {
            for t in Self.first..<Self.last {
                for i in 0..<Self.n {
                    let j = Self.index(a, t, i)
                    expected[j] = Double(z[j]) + Double(beta) * Double(p0[j])
                }
            }
        }
        var p = p0
        cw_update_direction(level.level, Int32(Self.outputs), Int32(Self.bins), Self.stride, Int32(Self.first), Int32(Self.last), beta, &p, z)
        Self.check(p, expected, p0, "p", level)
    }

    @Test(arguments: KernelInstructionSet.allCases)
    func restoreSumMatchesItsFormula(level: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 4)
        let w = Self.weights(&random), s0 = Self.values(-1...1, &random)
        let fixed = Self.values(-2...2, &random, count: Self.stride)
        var expected = s0.map(Double.init)
        for t in Self.first..<Self.last {
            for i in 0..<Self.n {
                var rest = Double(fixed[Self.n * t + i]), total = 0.0
                for a in 0..<Self.outputs {
                    rest -= Double(s0[Self.index(a, t, i)])
                    total += Double(w[Self.index(a, t, i)])
                }
                rest = total > 0 ? rest / total : 0
                for a in 0..<Self.outputs { expected[Self.index(a, t, i)] += Double(w[Self.index(a, t, i)]) * rest }
            }
        }
        var s = s0, scratch = [Float](repeating: 0, count: 4 * Self.bins)
        cw_restore_sum(level.level, Int32(Self.outputs), Int32(Self.bins), Self.stride, Int32(Self.first), Int32(Self.last), &s, w, fixed, &scratch)
        Self.check(s, expected, s0, "s", level)
    }
}
