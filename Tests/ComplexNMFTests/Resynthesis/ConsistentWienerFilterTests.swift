import Foundation
import Testing
@testable import ComplexNMF

/// Consistent Wiener filtering: the conjugate-gradient solution against a direct float64 solve of
/// the same problem (`Tests/Golden/make_consistency_golden.py`), and the properties the pipeline
/// relies on.
@Suite struct ConsistentWienerFilterTests {
    nonisolated(unsafe) static let manifest = try! GoldenManifest("consistency")

    struct Problem {
        let transform: ShortTimeFourierTransform
        let mixture: ComplexMatrix
        let powers: [[Float]]
        var wiener: [ComplexMatrix] {
            powers.indices.map { j in
                var out = ComplexMatrix(rows: mixture.rows, columns: mixture.columns)
                for i in 0..<(mixture.rows * mixture.columns) {
                    let total = powers.reduce(0.0) { $0 + Double($1[i]) }
                    let share = Float(Double(powers[j][i]) / total)
                    out.values[2 * i] = share * mixture.values[2 * i]
                    out.values[2 * i + 1] = share * mixture.values[2 * i + 1]
                }
                return out
            }
        }
    }

    static func golden() throws -> (Problem, [ComplexMatrix]) {
        let root = manifest.root
        let config = STFTConfiguration(fftSize: root.int("n_fft"), hopLength: root.int("hop_length"), window: .hann)
        let files = root.dict("files")
        let mixture = try NPYArray.read(contentsOf: manifest.path(files.string("mixture"))).complexMatrices(path: "mixture")[0]
        let powers = try NPYArray.read(contentsOf: manifest.path(files.string("powers"))).complexMatrices(path: "powers")
            .map { m in stride(from: 0, to: m.values.count, by: 2).map { m.values[$0] } }
        let solution = try NPYArray.read(contentsOf: manifest.path(files.string("solution"))).complexMatrices(path: "solution")
        return (Problem(transform: try ShortTimeFourierTransform(configuration: config), mixture: mixture, powers: powers), solution)
    }

    static func filter(_ problem: Problem, iterations: Int, weight: Double = 10) throws -> ConsistentWienerFilter {
        var config = ConsistentWienerConfiguration()
        config.iterations = iterations
        config.transformBudget = 1_000_000  // iterations as asked, whatever the output count
        config.relativeWeight = weight
        return try ConsistentWienerFilter(transform: problem.transform, configuration: config)
    }

    static func maximumDifference(_ a: [ComplexMatrix], _ b: [ComplexMatrix]) -> Float {
        zip(a, b).map { zip($0.values, $1.values).map { abs($0 - $1) }.max()! }.max()!
    }

    @Test func solutionMatchesTheDirectFloat64Solve() throws {
        let (problem, solution) = try Self.golden()
        let wiener = problem.wiener
        let scale = solution.map { $0.values.map(abs).max()! }.max()!
        // The reference differs from the Wiener start by ~40 % of its peak, so this can fail.
        #expect(Self.maximumDifference(wiener, solution) > 0.3 * scale)
        var estimates = wiener
        let report = try Self.filter(problem, iterations: 150, weight: Self.manifest.root.double("relative_weight"))
            .refine(&estimates, mixture: problem.mixture, powers: problem.powers, recordObjective: true)
        let worst = Self.maximumDifference(estimates, solution)
        #expect(worst <= 1e-4 * scale, "max |ours − direct| = \(worst), max |solution| = \(scale)")
        let objective = Self.manifest.root.double("objective_solution"), start = Self.manifest.root.double("objective_wiener")
        #expect(abs(report.objective.first! - start) <= 1e-4 * start, "objective at the Wiener start \(report.objective.first!) vs \(start)")
        #expect(abs(report.objective.last! - objective) <= 1e-4 * objective, "final objective \(report.objective.last!) vs \(objective)")
    }

    @Test func objectiveNeverIncreasesAndOutputsKeepSummingToTheMixture() throws {
        let (problem, _) = try Self.golden()
        var estimates = problem.wiener
        let report = try Self.filter(problem, iterations: 12).refine(&estimates, mixture: problem.mixture, powers: problem.powers, recordObjective: true)
        #expect(report.iterations == 12 && report.activeOutputs == 3)
        for (before, after) in zip(report.objective, report.objective.dropFirst()) {
            #expect(after <= before * (1 + 1e-7), "objective rose from \(before) to \(after)")
        }
        #expect(report.objective.last! < report.objective.first!)
        let scale = problem.mixture.values.map(abs).max()!
        for i in problem.mixture.values.indices {
            let sum = estimates.reduce(Float(0)) { $0 + $1.values[i] }
            #expect(abs(sum - problem.mixture.values[i]) <= 1e-5 * scale)
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let (problem, _) = try Self.golden()
        let filter = try Self.filter(problem, iterations: 8)
        var one = problem.wiener, three = problem.wiener
        filter.refine(&one, mixture: problem.mixture, powers: problem.powers, threadCount: 1)
        filter.refine(&three, mixture: problem.mixture, powers: problem.powers, threadCount: 3)
        #expect(one == three)
        #expect(one != problem.wiener)
    }

    @Test func zeroIterationsKeepTheWienerEstimates() throws {
        let (problem, _) = try Self.golden()
        var estimates = problem.wiener
        let report = try Self.filter(problem, iterations: 0).refine(&estimates, mixture: problem.mixture, powers: problem.powers)
        #expect(estimates == problem.wiener && report.iterations == 0)
    }

    @Test func nearlySilentOutputsKeepTheirWienerEstimate() throws {
        let (problem, _) = try Self.golden()
        var powers = problem.powers
        powers[1] = powers[1].map { $0 * 1e-6 }
        let quiet = Problem(transform: problem.transform, mixture: problem.mixture, powers: powers)
        var estimates = quiet.wiener
        let report = try Self.filter(quiet, iterations: 5).refine(&estimates, mixture: quiet.mixture, powers: quiet.powers)
        #expect(report.activeOutputs == 2)
        #expect(estimates[1] == quiet.wiener[1])
        #expect(estimates[0] != quiet.wiener[0])
    }

    @Test func silenceStaysSilentWithoutNaN() throws {
        let (problem, _) = try Self.golden()
        let zero = [Float](repeating: 0, count: problem.powers[0].count)
        let silent = ComplexMatrix(rows: problem.mixture.rows, columns: problem.mixture.columns)
        var estimates = [ComplexMatrix](repeating: silent, count: 3)
        // No model power at all, then model power but a silent mixture.
        for powers in [[zero, zero, zero], problem.powers] {
            try Self.filter(problem, iterations: 5).refine(&estimates, mixture: silent, powers: powers)
            #expect(estimates.allSatisfy { $0 == silent })
        }
    }

    @Test func theTransformBudgetSharesIterationsBetweenOutputs() {
        let config = ConsistentWienerConfiguration()
        #expect(config.iterations(activeOutputs: 2) == 20 && config.iterations(activeOutputs: 3) == 13)
        #expect(config.iterations(activeOutputs: 4) == 10 && config.iterations(activeOutputs: 8) == 5)
        var few = config
        few.transformBudget = 3
        #expect(few.iterations(activeOutputs: 8) == 1)
    }

    @Test func onlyTheLoudestOutputsTakePart() throws {
        let (problem, _) = try Self.golden()
        var config = ConsistentWienerConfiguration()
        config.maximumActiveOutputs = 2
        let filter = try ConsistentWienerFilter(transform: problem.transform, configuration: config)
        #expect(filter.activeOutputs(totalPowers: [3, 1, 2]) == [0, 2])
        #expect(filter.activeOutputs(totalPowers: [1, 1, 1]) == [0, 1], "ties go to the lower index")
        #expect(filter.activeOutputs(totalPowers: [1, 1e-6, 0]) == [], "one audible output: nothing to solve")
        #expect(filter.activeOutputs(totalPowers: [0, 0, 0]) == [])
    }

    @Test func invalidSettingsNameTheirFlag() {
        var config = ConsistentWienerConfiguration()
        config.iterations = -1
        #expect(throws: ComplexNMFError.self) { try config.validate() }
        config = ConsistentWienerConfiguration()
        config.relativeWeight = 0
        #expect { try config.validate() } throws: { "\($0)".contains("--consistency-weight") }
        config = ConsistentWienerConfiguration()
        config.chunkFrames = 0
        #expect { try config.validate() } throws: { "\($0)".contains("--consistency-chunk") }
    }
}
