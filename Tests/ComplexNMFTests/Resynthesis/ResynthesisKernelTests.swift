import CResynthesisKernel
import Testing
@testable import ComplexNMF

/// The C passes of resynthesis and overlap-add against the scalar expressions they replace
/// (Float, evaluated left to right, nothing contracted): equal bit for bit at every length,
/// including the tails that are not a whole vector of 16 (AVX-512) or 8 (AVX2) floats, in every
/// build of the loops (each level capped by what this CPU runs).
@Suite struct ResynthesisKernelTests {
    static let lengths = [1, 7, 15, 16, 17, 33, 1025]

    static func values(_ count: Int, _ range: ClosedRange<Float>, _ random: inout SeededRandomGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &random) }
    }

    static let levels = KernelInstructionSet.allCases

    @Test(arguments: lengths, levels)
    func applyShareEqualsTheScalarExpressionBitForBit(bins: Int, instructionSet: KernelInstructionSet) {
        for accumulate in [false, true] { applyShare(bins: bins, accumulate: accumulate, instructionSet: instructionSet) }
    }

    func applyShare(bins: Int, accumulate: Bool, instructionSet: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: UInt64(bins))
        let model = Self.values(bins, 0...3, &random)
        var inverse = Self.values(bins, 0...2, &random)
        var silent = [Float](repeating: 0, count: bins)
        // A silent bin: no model, an equal share of the source.
        inverse[bins / 2] = 0
        silent[bins / 2] = 1
        let share: Float = 0.3
        let source = Self.values(2 * bins, -1...1, &random)
        let start = Self.values(2 * bins, -1...1, &random)
        var expectedShare = [Float](repeating: 0, count: bins), expected = start
        for f in 0..<bins {
            let a = model[f] * inverse[f], b = silent[f] * share
            expectedShare[f] = a + b
            for part in 0..<2 {
                let product = expectedShare[f] * source[2 * f + part]
                expected[2 * f + part] = accumulate ? start[2 * f + part] + product : product
            }
        }
        var weight = model, target = start
        rs_apply_share(instructionSet.level, Int32(bins), &weight, inverse, silent, share, source, &target, accumulate ? 1 : 0)
        #expect(weight.map(\.bitPattern) == expectedShare.map(\.bitPattern), "accumulate \(accumulate)")
        #expect(target.map(\.bitPattern) == expected.map(\.bitPattern), "accumulate \(accumulate)")
    }

    @Test(arguments: lengths, levels)
    func overlapAddEqualsTheScalarExpressionBitForBit(count: Int, instructionSet: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 100 + UInt64(count))
        let source = Self.values(count, -50...50, &random), window = Self.values(count, 0...1, &random)
        let start = Self.values(count, -1...1, &random)
        let scale: Float = 1 / 2048
        var expected = start
        for j in 0..<count {
            let scaled = source[j] * scale
            let windowed = scaled * window[j]
            expected[j] = start[j] + windowed
        }
        var target = start
        rs_overlap_add(instructionSet.level, Int32(count), &target, source, scale, window)
        #expect(target.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test(arguments: lengths, levels)
    func addScaledEqualsTheScalarExpressionBitForBit(count: Int, instructionSet: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 200 + UInt64(count))
        let column = Self.values(count, 0...1, &random), start = Self.values(count, 0...5, &random)
        let scale: Float = 0.7317
        var expected = start
        for f in 0..<count {
            let product = column[f] * scale
            expected[f] = start[f] + product
        }
        var target = start
        rs_add_scaled(instructionSet.level, Int32(count), &target, column, scale)
        #expect(target.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test(arguments: lengths, levels)
    func addScaledDoubleEqualsTheScalarExpressionBitForBit(count: Int, instructionSet: KernelInstructionSet) {
        var random = SeededRandomGenerator(seed: 300 + UInt64(count))
        let column = Self.values(count, 0...1, &random)
        let start = (0..<count).map { _ in Double.random(in: 0...5, using: &random) }
        let scale = 0.731_734_519_3
        var expected = start
        for f in 0..<count {
            let product = Double(column[f]) * scale
            expected[f] = start[f] + product
        }
        var target = start
        rs_add_scaled_double(instructionSet.level, Int32(count), &target, column, scale)
        #expect(target.map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
