import Foundation
import Testing
@testable import ComplexNMF

/// The NMF kernel (`BetaNMFKernel`: float32 groups of frames in C, Euclidean and β-divergences)
/// against the former Swift passes (`NMFReferencePass`, `NMFProblem`), on both instruction sets,
/// and its determinism: results must not depend on the group size, the block split, the thread
/// count or the iteration order.
@Suite struct BetaNMFKernelTests {
    static let divergences: [Divergence] = [.euclidean, .kullbackLeibler, .betaHalf, .itakuraSaito]
    static let instructionSets: [BetaNMFKernel.InstructionSet] = [.avx512, .avx2, .portable]

    /// A random problem with awkward sizes: 100 bins (6 tiles of 16 and one of 4), 21 components
    /// (one full vector of 16 and a partial one, a zero template), 19 frames (two groups of 8 and
    /// a tail). V is a noisy power spectrogram of a random model, with two silent bins in every
    /// frame and one silent frame.
    static func problem(bins: Int = 100, components: Int = 21, frames: Int = 19, seed: UInt64 = 7)
        -> (magnitudes: RealMatrix, basis: RealMatrix, initial: RealMatrix) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func uniform() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        var basis = RealMatrix(rows: bins, columns: components)
        for k in 0..<components where k != 5 {
            for f in 0..<bins { basis[f, k] = uniform() * uniform() * uniform() }
        }
        var truth = RealMatrix(rows: components, columns: frames)
        for i in 0..<truth.values.count { truth.values[i] = uniform() < 0.4 ? 3 * uniform() : 0 }
        var magnitudes = MatrixProduct.multiply(basis, truth)
        for t in 0..<frames {
            for f in 0..<bins {
                let noise = 0.5 + uniform()
                magnitudes[f, t] = f == 3 || f == 61 || t == 11 ? 0 : magnitudes[f, t] * noise + 1e-3 * uniform()
            }
        }
        let initial = ActivationInitializer.halfNormal(components: components, frames: frames, seed: 3)
        return (magnitudes, basis, initial)
    }

    static func configuration(_ divergence: Divergence, iterations: Int, threads: Int = 1) -> NMFConfiguration {
        var config = NMFConfiguration()
        config.divergence = divergence
        config.stopping = StoppingRule(maximumIterations: iterations)
        config.threadCount = threads
        return config
    }

    static func kernelResult(_ v: RealMatrix, _ h: RealMatrix, _ u0: RealMatrix, divergence: Divergence,
                             instructionSet: BetaNMFKernel.InstructionSet = .automatic, group: Int? = nil,
                             stopping: StoppingRule, threads: Int = 1) throws -> NMFResult {
        let kernel = BetaNMFKernel(basis: h, divergence: divergence, group: group, instructionSet: instructionSet)
        return try kernel.decompose(magnitudes: v, initialActivations: u0, stopping: stopping, threads: threads, progress: nil)
    }

    @Test(arguments: divergences, instructionSets)
    func kernelMatchesTheReferencePass(divergence: Divergence, instructionSet: BetaNMFKernel.InstructionSet) throws {
        let (v, h, u0) = Self.problem()
        let iterations = 25
        let reference = try NMFReferencePass.decompose(magnitudes: v, basis: h, initialActivations: u0,
                                                       configuration: Self.configuration(divergence, iterations: iterations))
        let result = try Self.kernelResult(v, h, u0, divergence: divergence, instructionSet: instructionSet,
                                           stopping: StoppingRule(maximumIterations: iterations))
        #expect(result.iterations == iterations)
        // Euclidean: only G u is Float (the reference is all Double), so tighter than the
        // β-divergences, whose model and sums over bins are Float in both.
        let (activationTolerance, costTolerance) = divergence == .euclidean ? (1e-5, 1e-6) : (5e-5, 1e-5)
        let activationError = relativeError(result.activations.values.map(Double.init), reference.activations.values.map(Double.init))
        #expect(activationError < activationTolerance, "\(divergence) \(instructionSet): activations differ by \(activationError)")
        let costError = relativeError([result.initialCost] + result.cost, [reference.initialCost] + reference.cost)
        #expect(costError < costTolerance, "\(divergence) \(instructionSet): costs differ by \(costError)")
        // Every frame's cost of every iteration, relative to that iteration's largest frame cost.
        for i in 0..<iterations {
            let row = Array(result.frameCosts[(i * v.columns)..<((i + 1) * v.columns)])
            let expected = Array(reference.frameCosts[(i * v.columns)..<((i + 1) * v.columns)])
            let error = relativeError(row, expected)
            #expect(error < costTolerance, "\(divergence) \(instructionSet): frame costs of iteration \(i + 1) differ by \(error)")
        }
        // The silent frame has (numerically) zero activations; Euclidean: exactly zero, and so
        // has the zero template (HᵀV and HᵀH u are 0 there).
        for k in 0..<h.columns { #expect(result.activations[k, 11] < 1e-6) }
        if divergence == .euclidean {
            for k in 0..<h.columns { #expect(result.activations[k, 11] == 0) }
            for t in 0..<v.columns { #expect(result.activations[5, t] == 0) }
        }
    }

    /// The Euclidean cost the kernel reports (from HᵀV, HᵀH and ‖v‖²) is ½‖v − Hu‖² recomputed
    /// directly in Double from the activations it returns (after 0 and after n iterations).
    @Test(arguments: instructionSets)
    func euclideanCostIsHalfTheSquaredResidual(instructionSet: BetaNMFKernel.InstructionSet) throws {
        let (y, h) = try FixtureProblem.make()
        let v = y.magnitudes()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: v.columns, seed: 4)
        func halfSquaredResidual(_ u: RealMatrix) -> Double {
            var total = 0.0
            for t in 0..<v.columns {
                for f in 0..<v.rows {
                    var model = 0.0
                    for k in 0..<h.columns { model += Double(h[f, k]) * Double(u[k, t]) }
                    total += (Double(v[f, t]) - model) * (Double(v[f, t]) - model)
                }
            }
            return total / 2
        }
        let start = try Self.kernelResult(v, h, u0, divergence: .euclidean, instructionSet: instructionSet,
                                          stopping: StoppingRule(maximumIterations: 1))
        #expect(abs(start.initialCost - halfSquaredResidual(u0)) / halfSquaredResidual(u0) < 1e-6)
        let result = try Self.kernelResult(v, h, u0, divergence: .euclidean, instructionSet: instructionSet,
                                           stopping: StoppingRule(maximumIterations: 40))
        // The reported cost is that of the Double iterate; the returned activations are Float.
        let direct = halfSquaredResidual(result.activations)
        let energy = v.values.reduce(0.0) { $0 + Double($1) * Double($1) } / 2
        #expect(abs(result.cost.last! - direct) / direct < 1e-5, "\(result.cost.last!) vs \(direct), ½‖V‖² = \(energy)")
    }

    @Test(arguments: divergences, instructionSets)
    func silenceGivesZeroActivationsNotNaN(divergence: Divergence, instructionSet: BetaNMFKernel.InstructionSet) throws {
        let (_, h, u0) = Self.problem(frames: 9)
        let v = RealMatrix(rows: h.rows, columns: 9)
        let result = try Self.kernelResult(v, h, u0, divergence: divergence, instructionSet: instructionSet,
                                           stopping: StoppingRule(maximumIterations: 30))
        #expect(result.activations.values.allSatisfy { $0.isFinite && $0 < 1e-6 })
        #expect(result.cost.allSatisfy { $0.isFinite } && result.initialCost.isFinite)
        let reference = try NMFReferencePass.decompose(magnitudes: v, basis: h, initialActivations: u0,
                                                       configuration: Self.configuration(divergence, iterations: 30))
        let costError = relativeError([result.initialCost] + result.cost, [reference.initialCost] + reference.cost)
        #expect(costError < 1e-5, "\(divergence) \(instructionSet): silent costs differ by \(costError)")
    }

    @Test(arguments: divergences, instructionSets)
    func costNeverIncreases(divergence: Divergence, instructionSet: BetaNMFKernel.InstructionSet) throws {
        let (y, h) = try FixtureProblem.make()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 4)
        let result = try Self.kernelResult(y.magnitudes(), h, u0, divergence: divergence, instructionSet: instructionSet,
                                           stopping: StoppingRule(maximumIterations: 60))
        let costs = [result.initialCost] + result.cost
        for i in 1..<costs.count { #expect(costs[i] <= costs[i - 1] * (1 + 1e-9), "\(divergence) \(instructionSet): cost rose at \(i)") }
        let (v, hr, ur) = Self.problem()
        let random = try Self.kernelResult(v, hr, ur, divergence: divergence, instructionSet: instructionSet,
                                           stopping: StoppingRule(maximumIterations: 60))
        let randomCosts = [random.initialCost] + random.cost
        for i in 1..<randomCosts.count {
            #expect(randomCosts[i] <= randomCosts[i - 1] * (1 + 1e-9), "\(divergence) \(instructionSet): random cost rose at \(i)")
        }
    }

    @Test(arguments: divergences, instructionSets)
    func resultsDoNotDependOnGroupThreadsOrBlocks(divergence: Divergence, instructionSet: BetaNMFKernel.InstructionSet) throws {
        let (v, h, u0) = Self.problem(frames: 37)
        let rule = StoppingRule(maximumIterations: 8)
        let baseline = try Self.kernelResult(v, h, u0, divergence: divergence, instructionSet: instructionSet, group: 8, stopping: rule)
        for (group, threads) in [(16, 1), (64, 1), (8, 2), (24, 3)] {
            let other = try Self.kernelResult(v, h, u0, divergence: divergence, instructionSet: instructionSet, group: group,
                                              stopping: rule, threads: threads)
            #expect(other.activations == baseline.activations, "group \(group), \(threads) threads: activations")
            #expect(other.frameCosts == baseline.frameCosts && other.cost == baseline.cost && other.initialCost == baseline.initialCost,
                    "group \(group), \(threads) threads: costs")
        }
        // Blocks of 5 and of 1 frame(s): each frame's activations and costs equal the whole run's.
        for block in [5, 1] {
            for first in stride(from: 0, to: v.columns, by: block) {
                let frames = first..<min(v.columns, first + block)
                let part = RealMatrix(rows: v.rows, columns: frames.count, values: Array(v.values[(first * v.rows)..<(frames.upperBound * v.rows)]))
                let start = RealMatrix(rows: h.columns, columns: frames.count,
                                       values: Array(u0.values[(first * h.columns)..<(frames.upperBound * h.columns)]))
                let result = try Self.kernelResult(part, h, start, divergence: divergence, instructionSet: instructionSet, stopping: rule, threads: 2)
                #expect(result.activations.values == Array(baseline.activations.values[(first * h.columns)..<(frames.upperBound * h.columns)]),
                        "block \(frames): activations")
                for i in 0..<rule.maximumIterations {
                    let expected = Array(baseline.frameCosts[(i * v.columns + first)..<(i * v.columns + frames.upperBound)])
                    #expect(Array(result.frameCosts[(i * frames.count)..<((i + 1) * frames.count)]) == expected, "block \(frames): costs \(i)")
                }
            }
        }
    }

    @Test(arguments: divergences, instructionSets)
    func frameMajorAndIterationOrderAgree(divergence: Divergence, instructionSet: BetaNMFKernel.InstructionSet) throws {
        let (v, h, u0) = Self.problem(frames: 21)
        let frameMajor = try Self.kernelResult(v, h, u0, divergence: divergence, instructionSet: instructionSet,
                                               stopping: StoppingRule(maximumIterations: 12), threads: 2)
        // A threshold no cost goes below: the iteration-order path, for the full 12 iterations.
        let iterationOrder = try Self.kernelResult(v, h, u0, divergence: divergence, instructionSet: instructionSet,
                                                   stopping: StoppingRule(maximumIterations: 12, costThreshold: 0), threads: 3)
        #expect(iterationOrder.iterations == 12)
        #expect(iterationOrder.activations == frameMajor.activations)
        #expect(iterationOrder.cost == frameMajor.cost && iterationOrder.initialCost == frameMajor.initialCost)
        #expect(iterationOrder.frameCosts == frameMajor.frameCosts)
    }

    /// The frame-major driver's totals (four rows at a time) are each row summed in frame order,
    /// the sum the iteration-order driver takes: bit for bit, for row counts around the four.
    @Test(arguments: [1, 3, 4, 5, 8, 11])
    func rowTotalsSumEachRowInFrameOrder(rows: Int) {
        var generator = SeededRandomGenerator(seed: UInt64(rows))
        let columns = 37
        // Values of very different sizes, so that another order of additions rounds differently.
        let values = (0..<(rows * columns)).map { _ in generator.nextUnitInterval() * pow(10, 8 * generator.nextUnitInterval()) }
        let totals = BetaNMFKernel.rowTotals(values, rows: rows, columns: columns)
        for i in 0..<rows {
            #expect(totals[i] == values[(i * columns)..<((i + 1) * columns)].reduce(0, +), "row \(i) of \(rows)")
        }
    }

    @Test(arguments: [Divergence.betaHalf, .euclidean])
    func toleranceStopsWhereTheReferenceStops(divergence: Divergence) throws {
        let (v, h, u0) = Self.problem()
        var config = Self.configuration(divergence, iterations: 200)
        config.stopping.relativeTolerance = 1e-3
        let reference = try NMFReferencePass.decompose(magnitudes: v, basis: h, initialActivations: u0, configuration: config)
        let result = try NMF(configuration: config).decompose(magnitudes: v, basis: h, initialActivations: u0)
        #expect(result.iterations == reference.iterations && result.iterations < 200)
        #expect(result.frameCosts.count == result.iterations * v.columns)
        #expect(relativeError(result.cost, reference.cost) < 1e-5)
    }

    @Test func avx512IsUsedWhereTheCPUHasIt() {
        let (_, h, _) = Self.problem()
        let automatic = BetaNMFKernel(basis: h, divergence: .betaHalf)
        let requested = BetaNMFKernel(basis: h, divergence: .betaHalf, instructionSet: .avx512)
        let portable = BetaNMFKernel(basis: h, divergence: .betaHalf, instructionSet: .portable)
        #expect(automatic.instructionSet == requested.instructionSet)
        #expect(portable.instructionSet == .portable)
        #expect(automatic.group == 8 && BetaNMFKernel(basis: h, divergence: .kullbackLeibler, group: 13).group == 16)
        #expect(BetaNMFKernel(basis: h, divergence: .euclidean).group == BetaNMFKernel.defaultEuclideanGroup)
        #expect(BetaNMFKernel(basis: h, divergence: .euclidean, instructionSet: .avx512).instructionSet == automatic.instructionSet)
        // Every AVX-512 CPU has AVX2 and FMA; `.automatic` takes the AVX2 build only without AVX-512.
        let avx2 = BetaNMFKernel(basis: h, divergence: .kullbackLeibler, instructionSet: .avx2).instructionSet
        #expect(avx2 == (automatic.instructionSet == .portable ? .portable : .avx2))
        #expect(BetaNMFKernel(basis: h, divergence: .euclidean, instructionSet: .avx2).instructionSet == avx2)
    }

    @Test func basesLargerThanHalfTheL2ShareEachReadAmongMoreFrames() {
        // 4·K·F bytes of H: 1025 × 255 is just below 1 MiB, 1025 × 256 just above.
        let small = RealMatrix(rows: 1025, columns: 255, values: [Float](repeating: 0.5, count: 1025 * 255))
        let large = RealMatrix(rows: 1025, columns: 256, values: [Float](repeating: 0.5, count: 1025 * 256))
        #expect(BetaNMFKernel(basis: small, divergence: .betaHalf).group == BetaNMFKernel.defaultGroup)
        #expect(BetaNMFKernel(basis: large, divergence: .betaHalf).group == BetaNMFKernel.largeBasisGroup)
        #expect(BetaNMFKernel(basis: large, divergence: .kullbackLeibler, group: 8).group == 8)
        #expect(BetaNMFKernel(basis: large, divergence: .euclidean).group == BetaNMFKernel.defaultEuclideanGroup)
    }
}
