import Foundation
import Testing
@testable import ComplexNMF

@Suite("Plot: axis ticks and labels")
struct PlotAxisTicksTests {
    @Test func zeroToNinetySevenGivesStepsOfTwenty() {
        #expect(AxisTicks.linear(covering: 0, 97) == [0, 20, 40, 60, 80, 100])
    }

    @Test(arguments: [(0.0, 97.0), (0, 1), (-3.2, 7.9), (1.4e-7, 1.6e-7), (1511, 1900), (3e5, 9e5), (-1e-3, -2e-4), (1, 100)])
    func linearTicksAreNiceAndCoverTheRange(lower: Double, upper: Double) throws {
        let ticks = AxisTicks.linear(covering: lower, upper)
        try #require(ticks.count >= 2)
        #expect(ticks.first! <= lower && ticks.last! >= upper, "\(ticks) must cover \(lower)…\(upper)")
        #expect(ticks.count <= 8, "\(ticks) has too many ticks")
        let step = ticks[1] - ticks[0]
        let mantissa = step / pow(10, floor(log10(step)))
        #expect([1.0, 2.0, 5.0].contains { abs(mantissa - $0) < 1e-6 }, "step \(step) is not 1, 2 or 5 × 10^k")
        for (a, b) in zip(ticks, ticks.dropFirst()) {
            #expect(abs((b - a) - step) <= step * 1e-9, "uneven ticks \(ticks)")
        }
        for tick in ticks {
            #expect(abs(tick / step - (tick / step).rounded()) < 1e-6, "\(tick) is not a multiple of \(step)")
        }
    }

    @Test func degenerateRangesAreWidenedAroundTheValue() {
        let constant = AxisTicks.linear(covering: 5, 5)
        #expect(constant.count >= 2 && constant.first! < 5 && constant.last! > 5, "\(constant)")
        #expect(AxisTicks.linear(covering: 0, 0) == [-1, -0.5, 0, 0.5, 1])
    }

    @Test func minimumStepKeepsIterationTicksWhole() {
        #expect(AxisTicks.linear(covering: 1, 3, minimumStep: 1) == [1, 2, 3])
        #expect(AxisTicks.linear(covering: 1, 1, minimumStep: 1) == [0, 1, 2])
    }

    @Test func nonFiniteBoundsGiveNoTicks() {
        #expect(AxisTicks.linear(covering: .nan, 1).isEmpty)
        #expect(AxisTicks.linear(covering: 0, .infinity).isEmpty)
        #expect(AxisTicks.decades(covering: 0, 10).isEmpty)
        #expect(AxisTicks.decades(covering: -1, 10).isEmpty)
    }

    @Test func extremeMagnitudesDoNotOverflow() {
        let ticks = AxisTicks.linear(covering: -1.7e308, 1.7e308)
        #expect(!ticks.isEmpty && ticks.allSatisfy(\.isFinite), "\(ticks)")
    }

    @Test func logRangesGiveDecades() {
        #expect(AxisTicks.decades(covering: 3, 45_000) == [0, 1, 2, 3, 4, 5])
        #expect(AxisTicks.decades(covering: 1e-7, 1e-2) == [-7, -6, -5, -4, -3, -2])
        #expect(AxisTicks.decades(covering: 100, 100) == [1, 2, 3])
        // 600 decades are thinned to every n-th decade, at most 8 ticks.
        let wide = AxisTicks.decades(covering: 1e-300, 1e300)
        #expect(wide.count <= 9 && wide.first! <= -300 && wide.last! >= 300, "\(wide)")
        #expect(Set(zip(wide, wide.dropFirst()).map { $1 - $0 }).count == 1, "uneven decades \(wide)")
    }

    @Test func minorLogTicksFillConsecutiveDecades() {
        #expect(AxisTicks.decadeMinorTicks([0, 1]) == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(AxisTicks.decadeMinorTicks([0, 2, 4]).isEmpty)
    }

    @Test func linearLabelsAreCompactAndConsistent() {
        #expect(TickLabel.linear([0, 20, 40], step: 20).map(\.plain) == ["0", "20", "40"])
        #expect(TickLabel.linear([10_000, 12_000, 14_000], step: 2_000).map(\.plain) == ["10000", "12000", "14000"])
        #expect(TickLabel.linear([0, 0.5, 1], step: 0.5).map(\.plain) == ["0.0", "0.5", "1.0"])
        #expect(TickLabel.linear([-0.25, 0, 0.25], step: 0.25).map(\.plain) == ["-0.25", "0.00", "0.25"])
        #expect(TickLabel.linear([0, 1e5, 2e5], step: 1e5).map(\.plain) == ["0", "1e5", "2e5"])
        #expect(TickLabel.linear([1.4e-7, 1.5e-7, 1.6e-7], step: 1e-8).map(\.plain) == ["1.4e-7", "1.5e-7", "1.6e-7"])
        #expect(TickLabel.linear([1.2e4, 1.25e5], step: 5e3).map(\.plain) == ["1.2e4", "1.25e5"])
    }

    @Test func decadeLabelsUseSuperscriptExponents() {
        #expect(TickLabel.decades([-3, 0, 4]).map(\.plain) == ["10^-3", "10^0", "10^4"])
    }
}
