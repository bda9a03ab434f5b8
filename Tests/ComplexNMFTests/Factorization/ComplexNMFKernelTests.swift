import Foundation
import Testing
@testable import ComplexNMF

/// The fast Complex NMF kernel (`ComplexNMFKernel`: float32 vectors, one frame at a time) against
/// the plain double implementation (`ComplexNMFReferenceKernel`), and its determinism: results
/// must not depend on threads, block splits or which of the two iteration orders ran.
@Suite struct ComplexNMFKernelTests {
    /// The fixture mixture (257 bins) with 20 templates: the 4 fixture notes and 16 copies shifted
    /// along frequency, so K = 20 has two full groups of 8 components and a partial one, and the
    /// bins one partial tile of 16.
    static func problem(frames: Int = 24, components: Int = 20) throws -> (spectrogram: ComplexMatrix, basis: RealMatrix) {
        let (y, notes) = try FixtureProblem.make(frames: frames)
        let bins = notes.rows
        var basis = RealMatrix(rows: bins, columns: components)
        for k in 0..<components {
            let shift = 3 * (k / notes.columns)
            var total = 0.0
            for f in 0..<bins { total += Double(notes[(f + bins - shift) % bins, k % notes.columns]) }
            for f in 0..<bins { basis[f, k] = Float(Double(notes[(f + bins - shift) % bins, k % notes.columns]) / total) }
        }
        return (y, basis)
    }

    /// The last `count` frames of `y` (the fixture's first 16 frames are silence; its frames
    /// 16–23 are the chord).
    static func lastFrames(_ y: ComplexMatrix, _ count: Int) -> ComplexMatrix {
        ComplexMatrix(rows: y.rows, columns: count, values: Array(y.values[(2 * y.rows * (y.columns - count))...]))
    }

    static func lambda(_ y: ComplexMatrix, sparsity: Double) -> Double {
        var energy = 0.0
        for x in y.values { energy += Double(x) * Double(x) }
        return ComplexNMFConfiguration.defaultLambda(energy: energy, bins: y.rows, sparsity: sparsity)
    }

    static func startingPoint(_ y: ComplexMatrix, components: Int, jitter: Double) -> (RealMatrix, PhaseTensor) {
        var u = ActivationInitializer.halfNormal(components: components, frames: y.columns, seed: 5)
        for i in 0..<u.values.count { u.values[i] = max(u.values[i], NumericalGuards.activationFloor) }
        var phases = PhaseTensor(mixturePhasesOf: y, components: components)
        if jitter > 0 { PhaseJitter.apply(to: &phases, standardDeviation: jitter, seed: 9, frameOffset: 0, stream: 0) }
        return (u, phases)
    }

    /// The fast kernel, frame-major, from the given start.
    static func fast(_ y: ComplexMatrix, _ h: RealMatrix, start: (RealMatrix, PhaseTensor), lambda: Double, sparsity: Double,
                     iterations: Int, instructionSet: ComplexNMFKernel.InstructionSet, threads: Int = 1) -> ComplexNMFResult {
        let kernel = ComplexNMFKernel(basis: h, lambda: lambda, sparsity: sparsity, instructionSet: instructionSet)
        var (u, phases) = start
        let run = u.values.withUnsafeMutableBufferPointer { activations in
            phases.values.withUnsafeMutableBufferPointer { p in
                kernel.runFrameMajor(spectrogram: y, activations: activations, phases: p, start: .given, iterations: iterations, threads: threads)
            }
        }
        return ComplexNMFResult(activations: u, phases: phases, reconstruction: run.reconstruction, cost: run.cost,
                                initialCost: run.initialCost, frameCosts: run.frameCosts, lambda: lambda)
    }

    /// Largest |a − b| / |b| over the entries.
    static func worstRelative(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) / max(abs($1), .leastNormalMagnitude) }.max() ?? 0
    }

    /// Expects `result` to agree with `expected`: the objective of every iterate (initial one
    /// included) to `cost` (worst relative difference), the activations to `activations` and the
    /// reconstruction to `model` (relative error of the whole array).
    static func expectAgreement(_ result: ComplexNMFResult, _ expected: ComplexNMFResult, cost: Double, activations: Double,
                                model: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let costError = worstRelative([result.initialCost] + result.cost, [expected.initialCost] + expected.cost)
        #expect(costError < cost, "objective differs by \(costError) (relative)", sourceLocation: sourceLocation)
        let activationError = relativeError(result.activations.values.map(Double.init), expected.activations.values.map(Double.init))
        #expect(activationError < activations, "activations differ by \(activationError)", sourceLocation: sourceLocation)
        let modelError = relativeError(result.reconstruction.values.map(Double.init), expected.reconstruction.values.map(Double.init))
        #expect(modelError < model, "reconstruction differs by \(modelError)", sourceLocation: sourceLocation)
    }

    /// Phase difference weighted by H·U (where a component is silent its phase is arbitrary).
    static func weightedPhaseDifference(_ a: ComplexNMFResult, _ b: ComplexNMFResult, basis h: RealMatrix) -> Double {
        var weighted = 0.0, weight = 0.0
        let (pa, pb) = (a.phases.expanded(), b.phases.expanded())
        for t in 0..<a.activations.columns {
            for f in 0..<h.rows {
                for k in 0..<h.columns {
                    let c = Double(h[f, k]) * Double(b.activations[k, t])
                    let i = 2 * (k + h.columns * (f + h.rows * t))
                    let dr = Double(pa.values[i]) - Double(pb.values[i]), di = Double(pa.values[i + 1]) - Double(pb.values[i + 1])
                    weighted += c * (dr * dr + di * di).squareRoot()
                    weight += c
                }
            }
        }
        return weight > 0 ? weighted / weight : 0
    }

    static func expectIdentical(_ a: ComplexNMFResult, _ b: ComplexNMFResult, _ what: String) {
        #expect(a.activations == b.activations, "\(what): activations differ")
        #expect(a.phases == b.phases, "\(what): phases differ")
        #expect(a.reconstruction == b.reconstruction, "\(what): reconstruction differs")
        #expect(a.cost == b.cost && a.initialCost == b.initialCost, "\(what): costs differ")
    }

    @Test(arguments: [ComplexNMFKernel.InstructionSet.automatic, .portable, .avx2, .avx512ComponentMajor],
          [(1.2, 0.0, nil), (1.2, 0.4, nil), (0.6, 0.3, 1e-3), (1.9, 0.0, 10.0), (1.0, 0.2, 0.0)] as [(Double, Double, Double?)])
    func fastKernelAgreesWithTheDoubleReference(instructionSet: ComplexNMFKernel.InstructionSet, parameters: (Double, Double, Double?)) throws {
        let (p, jitter, fixedLambda) = parameters
        let (y, h) = try Self.problem()
        let lambda = fixedLambda ?? Self.lambda(y, sparsity: p)
        let start = Self.startingPoint(y, components: h.columns, jitter: jitter)
        let iterations = 40
        let reference = ComplexNMFReferenceKernel.decompose(spectrogram: y, basis: h, activations: start.0, phases: start.1, lambda: lambda,
                                                            sparsity: p, stopping: StoppingRule(maximumIterations: iterations))
        let fast = Self.fast(y, h, start: start, lambda: lambda, sparsity: p, iterations: iterations, instructionSet: instructionSet)
        Self.expectAgreement(fast, reference, cost: 1e-4, activations: 1e-4, model: 1e-4)
        let phaseError = Self.weightedPhaseDifference(fast, reference, basis: h)
        #expect(phaseError < 1e-4, "H·U-weighted phase difference \(phaseError)")
    }

    @Test(arguments: [ComplexNMFKernel.InstructionSet.automatic, .portable, .avx2, .avx512ComponentMajor])
    func objectiveNeverIncreasesWithManyComponents(instructionSet: ComplexNMFKernel.InstructionSet) throws {
        let (y, h) = try Self.problem()
        let fast = Self.fast(y, h, start: Self.startingPoint(y, components: h.columns, jitter: 0.5), lambda: Self.lambda(y, sparsity: 1.2),
                             sparsity: 1.2, iterations: 60, instructionSet: instructionSet)
        let costs = [fast.initialCost] + fast.cost
        for i in 1..<costs.count {
            #expect(costs[i] <= costs[i - 1] * (1 + 1e-6), "objective rose from \(costs[i - 1]) to \(costs[i]) at iteration \(i)")
        }
    }

    /// The plan's HᵀH is, entry by entry, Σ_f H[f,a]·H[f,b] in Double summed from zero over the
    /// bins in order, whatever the loops' blocking: sizes with partial register blocks (8 rows ×
    /// 16 columns) and bins past the AVX-512 loops' 128-bin chunks.
    @Test(arguments: [ComplexNMFKernel.InstructionSet.automatic, .portable, .avx2],
          [(1, 1), (3, 7), (17, 129), (40, 300), (100, 257), (5, 0)] as [(Int, Int)])
    func gramIsTheProductSummedOverTheBinsInOrder(instructionSet: ComplexNMFKernel.InstructionSet, size: (Int, Int)) {
        let (bins, components) = size
        var generator = SeededRandomGenerator(seed: UInt64(31 * bins + components))
        var h = RealMatrix(rows: bins, columns: components)
        for i in 0..<h.values.count { h.values[i] = Float.random(in: 0..<1, using: &generator) }
        let gram = ComplexNMFKernel(basis: h, lambda: 0, sparsity: 1, instructionSet: instructionSet).gram
        var mismatches = 0
        for a in 0..<components {
            for b in 0..<components {
                var sum = 0.0
                for f in 0..<bins { sum += Double(h[f, a]) * Double(h[f, b]) }
                if gram[a * components + b] != sum { mismatches += 1 }
            }
        }
        #expect(gram.count == components * components)
        #expect(mismatches == 0, "\(mismatches) of \(components * components) entries differ from the ordered sums")
    }

    /// Many components, in either AVX-512 layout: the tile loops' HᵀH U (several of its 32-row
    /// blocks and a partial one) and the component-major loops' (summed in the sweep, with a
    /// partial vector of components): the general sweep still follows the double reference.
    @Test(arguments: [ComplexNMFKernel.InstructionSet.avx512Tiles, .avx512ComponentMajor, .portable, .avx2])
    func fastKernelAgreesWithTheDoubleReferenceWithManyComponents(instructionSet: ComplexNMFKernel.InstructionSet) throws {
        let (whole, notes) = try FixtureProblem.make(frames: 24)
        let y = Self.lastFrames(whole, 3)
        let bins = notes.rows, components = 75
        var generator = SeededRandomGenerator(seed: 75)
        var h = RealMatrix(rows: bins, columns: components)
        for k in 0..<components {
            // Each template a fixture note, shifted and scaled at random, plus a little noise.
            let shift = Int.random(in: 0..<24, using: &generator), gain = Float.random(in: 0.2..<1, using: &generator)
            for f in 0..<bins {
                h[f, k] = gain * notes[(f + bins - shift) % bins, k % notes.columns] + 1e-3 * Float.random(in: 0..<1, using: &generator)
            }
        }
        let p = 1.2, lambda = Self.lambda(y, sparsity: p)
        let start = Self.startingPoint(y, components: components, jitter: 0.3)
        let iterations = 15
        let reference = ComplexNMFReferenceKernel.decompose(spectrogram: y, basis: h, activations: start.0, phases: start.1, lambda: lambda,
                                                            sparsity: p, stopping: StoppingRule(maximumIterations: iterations))
        let fast = Self.fast(y, h, start: start, lambda: lambda, sparsity: p, iterations: iterations, instructionSet: instructionSet)
        Self.expectAgreement(fast, reference, cost: 1e-4, activations: 1e-4, model: 1e-4)
    }

    /// Jitter 0 runs the shared-phase shortcut, 0.3 the general sweep.
    @Test(arguments: [0.0, 0.3])
    func resultsAreBitIdenticalAcrossThreadCounts(jitter: Double) throws {
        let (y, h) = try Self.problem()
        for rule in [StoppingRule(maximumIterations: 15), StoppingRule(maximumIterations: 15, relativeTolerance: 1e-9)] {
            var results: [ComplexNMFResult] = []
            for threads in [1, 2, 3] {
                var config = ComplexNMFConfiguration()
                config.stopping = rule
                config.phaseJitter = jitter
                config.threadCount = threads
                let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 2)
                results.append(try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0))
            }
            Self.expectIdentical(results[0], results[1], "1 vs 2 threads, \(rule)")
            Self.expectIdentical(results[0], results[2], "1 vs 3 threads, \(rule)")
        }
    }

    @Test(arguments: [StoppingRule(maximumIterations: 12), StoppingRule(maximumIterations: 12, costThreshold: 0)], [0.0, 0.3])
    func resultsAreBitIdenticalAcrossBlockSplits(rule: StoppingRule, jitter: Double) throws {
        let (y, h) = try Self.problem()
        var config = ComplexNMFConfiguration()
        config.stopping = rule
        config.phaseJitter = jitter
        config.lambda = Self.lambda(y, sparsity: config.sparsity)   // one λ for every block, as the pipeline does
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 3)
        let whole = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        var costs = [Double](repeating: 0, count: whole.cost.count)
        for block in [0..<7, 7..<19, 19..<24] {
            let part = ComplexMatrix(rows: y.rows, columns: block.count, values: Array(y.values[(2 * y.rows * block.lowerBound)..<(2 * y.rows * block.upperBound)]))
            let u = RealMatrix(rows: h.columns, columns: block.count, values: Array(u0.values[(h.columns * block.lowerBound)..<(h.columns * block.upperBound)]))
            let result = try ComplexNMF(configuration: config).decompose(spectrogram: part, basis: h, initialActivations: u, frameOffset: block.lowerBound)
            #expect(result.activations.values[...] == whole.activations.values[(h.columns * block.lowerBound)..<(h.columns * block.upperBound)])
            #expect(result.phases.expanded().values[...] == whole.phases.expanded().values[(2 * h.columns * y.rows * block.lowerBound)..<(2 * h.columns * y.rows * block.upperBound)])
            #expect(result.reconstruction.values[...] == whole.reconstruction.values[(2 * y.rows * block.lowerBound)..<(2 * y.rows * block.upperBound)])
            for i in 0..<costs.count { costs[i] += result.cost[i] }
            // Each frame's costs are those of the whole run, and each row sums to its total.
            for i in 0..<costs.count {
                #expect(result.frameCosts[(i * block.count)..<((i + 1) * block.count)]
                        == whole.frameCosts[(i * y.columns + block.lowerBound)..<(i * y.columns + block.upperBound)])
            }
        }
        // Per-frame costs are identical; only the grouping of the sum over frames differs.
        #expect(Self.worstRelative(costs, whole.cost) < 1e-12)
        #expect(whole.frameCosts.count == whole.cost.count * y.columns)
        for i in 0..<whole.cost.count {
            #expect(whole.frameCosts[(i * y.columns)..<((i + 1) * y.columns)].reduce(0, +) == whole.cost[i])
        }
    }

    @Test(arguments: [0.0, 0.3])
    func fixedIterationsAndGlobalOrderGiveIdenticalResults(jitter: Double) throws {
        let (y, h) = try Self.problem()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 4)
        var config = ComplexNMFConfiguration()
        config.phaseJitter = jitter
        config.stopping = StoppingRule(maximumIterations: 25)
        let frameMajor = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        config.stopping = StoppingRule(maximumIterations: 25, costThreshold: 0)   // never met: the stopping-rule driver runs all 25
        let globalOrder = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        #expect(globalOrder.iterations == 25)
        Self.expectIdentical(frameMajor, globalOrder, "frame-major vs global order, jitter \(jitter)")
    }

    @Test func defaultStartIsTheMixturePhasePlusTheSeededJitter() throws {
        let (y, h) = try Self.problem()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 6)
        for jitter in [0.0, 0.25] {
            var config = ComplexNMFConfiguration()
            config.phaseJitter = jitter
            config.seed = 11
            config.stopping = StoppingRule(maximumIterations: 5)
            var explicit = PhaseTensor(mixturePhasesOf: y, components: h.columns)
            if jitter > 0 { PhaseJitter.apply(to: &explicit, standardDeviation: jitter, seed: 11, frameOffset: 3, stream: 1) }
            let implicit = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0, frameOffset: 3, stream: 1)
            let given = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0, initialPhases: explicit)
            if jitter > 0 {
                Self.expectIdentical(implicit, given, "default start vs explicit phases, jitter \(jitter)")
            } else {
                // The default start runs the shared-phase shortcut, the given phases the general
                // sweep: the same iteration up to float rounding (ComplexNMFSharedPhaseTests).
                #expect(implicit.phases == explicit, "the default start's phases stay at the mixture phase")
                #expect(relativeError(implicit.activations.values.map(Double.init), given.activations.values.map(Double.init)) < 1e-5)
                #expect(Self.worstRelative(implicit.cost, given.cost) < 1e-6)
            }
        }
        var phases = [Float](repeating: .nan, count: 2 * h.columns * y.rows)
        y.values.withUnsafeBufferPointer { spectrum in
            phases.withUnsafeMutableBufferPointer {
                ComplexNMFKernel.writeMixturePhases(spectrum: spectrum.baseAddress! + 2 * y.rows * 5, bins: y.rows, components: h.columns, into: $0)
            }
        }
        let tensor = PhaseTensor(mixturePhasesOf: y, components: h.columns).values
        #expect(phases[...] == tensor[(2 * h.columns * y.rows * 5)..<(2 * h.columns * y.rows * 6)])
    }

    /// Scaling Y by a (and λ by a^(2−p)) scales the solution U by a: the kernel normalises each
    /// bin so that |z|² neither underflows (tiny input) nor overflows (huge input).
    @Test(arguments: [0x1p-70, 0x1p40] as [Double], [0.0, 0.3])
    func tinyAndHugeSpectrogramsScaleTheActivationsAndKeepUnitPhases(scale: Double, jitter: Double) throws {
        let (y, h) = try Self.problem(frames: 8)
        var scaled = y
        for i in 0..<scaled.values.count { scaled.values[i] = Float(Double(y.values[i]) * scale) }
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 7)
        var u0Scaled = u0
        for i in 0..<u0Scaled.values.count { u0Scaled.values[i] = Float(Double(u0.values[i]) * scale) }
        var config = ComplexNMFConfiguration()
        config.phaseJitter = jitter
        config.stopping = StoppingRule(maximumIterations: 30)
        config.lambda = Self.lambda(y, sparsity: config.sparsity)
        let plain = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        config.lambda = config.lambda! * pow(scale, 2 - config.sparsity)
        let result = try ComplexNMF(configuration: config).decompose(spectrogram: scaled, basis: h, initialActivations: u0Scaled)
        let unscaled = result.activations.values.map { Double($0) / scale }
        #expect(relativeError(unscaled, plain.activations.values.map(Double.init)) < 1e-4)
        #expect(result.cost.allSatisfy(\.isFinite) && result.reconstruction.values.allSatisfy(\.isFinite))
        var worst = 0.0
        for i in stride(from: 0, to: result.phases.values.count, by: 2) {
            let re = Double(result.phases.values[i]), im = Double(result.phases.values[i + 1])
            worst = max(worst, abs(re * re + im * im - 1))
        }
        #expect(worst < 1e-5, "|P|² − 1 up to \(worst)")
    }

    /// The same on the plain-C loops (baseline and AVX2 builds), whose per-bin scaling is done
    /// with exponent bits and powers of two, and on the AVX-512 tiles: from jittered phases (the
    /// general sweep), scaled activations and unit phases, at 2⁻⁷⁰, 2⁴⁰ and 2⁶⁰ (where |Y|² and
    /// the unscaled |z|² would overflow a float).
    @Test(arguments: [ComplexNMFKernel.InstructionSet.portable, .avx2, .avx512Tiles], [0x1p-70, 0x1p40, 0x1p60] as [Double])
    func tinyAndHugeSpectrogramsOnEveryLoops(instructionSet: ComplexNMFKernel.InstructionSet, scale: Double) throws {
        let (y, h) = try Self.problem(frames: 6)
        let lambda = Self.lambda(y, sparsity: 1.2)
        let (u0, phases) = Self.startingPoint(y, components: h.columns, jitter: 0.4)
        let plain = Self.fast(y, h, start: (u0, phases), lambda: lambda, sparsity: 1.2, iterations: 25, instructionSet: instructionSet)
        var scaled = y, u0Scaled = u0
        for i in 0..<scaled.values.count { scaled.values[i] = Float(Double(y.values[i]) * scale) }
        for i in 0..<u0Scaled.values.count { u0Scaled.values[i] = Float(Double(u0.values[i]) * scale) }
        let result = Self.fast(scaled, h, start: (u0Scaled, phases), lambda: lambda * pow(scale, 2 - 1.2), sparsity: 1.2, iterations: 25,
                               instructionSet: instructionSet)
        let unscaled = result.activations.values.map { Double($0) / scale }
        #expect(relativeError(unscaled, plain.activations.values.map(Double.init)) < 1e-4)
        #expect(result.cost.allSatisfy { $0.isFinite })
        var worst = 0.0
        for i in stride(from: 0, to: result.phases.values.count, by: 2) {
            let re = Double(result.phases.values[i]), im = Double(result.phases.values[i + 1])
            worst = max(worst, abs(re * re + im * im - 1))
        }
        #expect(worst < 1e-5, "|P|² − 1 up to \(worst)")
    }

    @Test(arguments: [StoppingRule(maximumIterations: 5), StoppingRule(maximumIterations: 5, relativeTolerance: 1e-9)])
    func nanInTheSpectrogramIsANumericalFailureAtIterationOne(rule: StoppingRule) throws {
        let (clean, h) = try Self.problem(frames: 4)
        var y = clean
        y.values[2 * (y.rows * 2 + 40)] = .nan
        var config = ComplexNMFConfiguration()
        config.lambda = 1e-3
        config.stopping = rule
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 1)
        #expect(throws: ComplexNMFError.numericalFailure(reason: "Complex NMF objective became nan at iteration 1")) {
            try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        }
    }

    @Test(arguments: [StoppingRule(maximumIterations: 3), StoppingRule(maximumIterations: 3, relativeTolerance: 0.5)])
    func noFramesOrNoBinsGiveEmptyResults(rule: StoppingRule) throws {
        let h = RealMatrix(rows: 33, columns: 3, repeating: 1 / 33)
        var config = ComplexNMFConfiguration()
        config.stopping = rule
        let result = try ComplexNMF(configuration: config).decompose(spectrogram: ComplexMatrix(rows: 33, columns: 0), basis: h,
                                                                     initialActivations: RealMatrix(rows: 3, columns: 0))
        #expect(result.activations.values.isEmpty && result.phases.values.isEmpty && result.reconstruction.values.isEmpty)
        #expect(result.initialCost == 0 && result.cost.allSatisfy { $0 == 0 })
        // No bins (λ given: the default rule divides by the bin count): the objective is the
        // penalty alone, and the activations fall to 0.
        config.lambda = 0.1
        let empty = try ComplexNMF(configuration: config).decompose(spectrogram: ComplexMatrix(rows: 0, columns: 2), basis: RealMatrix(rows: 0, columns: 3),
                                                                    initialActivations: RealMatrix(rows: 3, columns: 2, repeating: 1))
        #expect(empty.activations.values.allSatisfy { $0 == 0 } && empty.cost.allSatisfy(\.isFinite))
    }
}

extension ComplexNMFKernelTests {
    /// Given initial phases are copied frame by frame into the run, from either layout: the
    /// shared layout and its expansion give bit-identical results, in both iteration orders,
    /// and the run starts from them (not from the mixture phase).
    @Test func givenPhasesInEitherLayoutGiveTheSameRun() throws {
        let (y, h) = try Self.problem()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 8)
        var generator = SeededRandomGenerator(seed: 12)
        let angles = (0..<(y.rows * y.columns)).map { _ in 2 * Double.pi * generator.nextUnitInterval() }
        let shared = PhaseTensor(components: h.columns, bins: y.rows, frames: y.columns,
                                 sharedValues: angles.flatMap { [Float(cos($0)), Float(sin($0))] })
        let dense = shared.expanded()
        var config = ComplexNMFConfiguration()
        var runs: [ComplexNMFResult] = []
        for rule in [StoppingRule(maximumIterations: 6), StoppingRule(maximumIterations: 6, costThreshold: 0)] {
            config.stopping = rule
            let nmf = ComplexNMF(configuration: config)
            let fromShared = try nmf.decompose(spectrogram: y, basis: h, initialActivations: u0, initialPhases: shared)
            let fromDense = try nmf.decompose(spectrogram: y, basis: h, initialActivations: u0, initialPhases: dense)
            Self.expectIdentical(fromShared, fromDense, "shared vs dense given phases, \(rule)")
            runs.append(fromShared)
        }
        Self.expectIdentical(runs[0], runs[1], "given phases: fixed iterations vs the stopping-rule driver")
        let fromMixture = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        #expect(runs[0].initialCost != fromMixture.initialCost, "the given phases were used")
    }
}

extension ComplexNMFKernelTests {
    /// With a stopping rule the frames run frame-major in blocks of 1, 2, 4, 8, … iterations
    /// (iterations 1, 2–3, 4–7, 8–15, 16–31, 32–40). A rule that stops inside a block stops
    /// where it says on the cost sequence of a longer fixed run, the result equals the fixed run
    /// of that many iterations bit for bit (the frames ran past the stop and started again), and
    /// progress is reported once per iteration, in order, up to the stop.
    @Test(arguments: [1, 2])
    func aRuleStoppingInsideABlockGivesTheFixedRunOfThatLength(threads: Int) throws {
        let (y, h) = try Self.problem()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 4)
        var config = ComplexNMFConfiguration()
        config.phaseJitter = 0.3
        config.threadCount = threads
        config.stopping = StoppingRule(maximumIterations: 40)
        let long = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        func stoppingIteration(_ rule: StoppingRule) -> Int {
            (1...40).first { rule.shouldStop(costs: Array(long.cost[0..<$0])) }!
        }
        let blockEnds: Set = [1, 3, 7, 15, 31, 40]
        // A tolerance just above one iteration's relative decrease, the first that stops inside a block.
        var candidates: [Double] = []
        for i in 2...40 {
            let decrease: Double = (long.cost[i - 2] - long.cost[i - 1]) / long.cost[i - 2]
            candidates.append(decrease * (1 + 1e-9))
        }
        let tolerance = try #require(candidates.first { (tolerance: Double) -> Bool in
            let stop = stoppingIteration(StoppingRule(maximumIterations: 40, relativeTolerance: tolerance))
            return stop >= 5 && !blockEnds.contains(stop)
        })
        let rules = [StoppingRule(maximumIterations: 40, relativeTolerance: tolerance),
                     StoppingRule(maximumIterations: 40, costThreshold: long.cost[24] * (1 + 1e-12))]
        for rule in rules {
            let expected = stoppingIteration(rule)
            #expect(!blockEnds.contains(expected), "\(rule) stops at a block's end (\(expected))")
            config.stopping = rule
            var reported: [Int] = []
            let stopped = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0) { reported.append($0.iteration) }
            #expect(stopped.iterations == expected && reported == Array(1...expected), "\(rule)")
            config.stopping = StoppingRule(maximumIterations: expected)
            let fixed = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
            Self.expectIdentical(stopped, fixed, "\(rule) vs \(expected) fixed iterations")
            #expect(stopped.frameCosts == fixed.frameCosts)
        }
    }
}

extension ComplexNMFKernelTests {
    /// AVX-512 takes the tile loops below 192 components and the component-major loops from 192
    /// on (portable without AVX-512, whatever is asked).
    @Test func avx512PicksTheLayoutByTheNumberOfComponents() {
        let tiles = ComplexNMFKernel(basis: RealMatrix(rows: 3, columns: 1, repeating: 1), lambda: 0, sparsity: 1, instructionSet: .avx512Tiles)
        guard tiles.instructionSet != .portable else { return }  // no AVX-512 here
        for (components, expected) in [(1, ComplexNMFKernel.InstructionSet.avx512Tiles), (191, .avx512Tiles), (192, .avx512ComponentMajor), (400, .avx512ComponentMajor)] {
            let basis = RealMatrix(rows: 5, columns: components, repeating: 1)
            #expect(ComplexNMFKernel(basis: basis, lambda: 0, sparsity: 1).instructionSet == expected, "K = \(components)")
            #expect(ComplexNMFKernel(basis: basis, lambda: 0, sparsity: 1, instructionSet: .avx512).instructionSet == expected, "K = \(components)")
        }
        let many = RealMatrix(rows: 5, columns: 300, repeating: 1), few = RealMatrix(rows: 5, columns: 3, repeating: 1)
        #expect(ComplexNMFKernel(basis: many, lambda: 0, sparsity: 1, instructionSet: .avx512Tiles).instructionSet == .avx512Tiles)
        #expect(ComplexNMFKernel(basis: few, lambda: 0, sparsity: 1, instructionSet: .avx512ComponentMajor).instructionSet == .avx512ComponentMajor)
    }

    /// `.avx2` runs the portable loops built for AVX2 + FMA wherever the CPU has them (every
    /// AVX-512 CPU does), whatever K; `.automatic` takes them only on a CPU without AVX-512.
    @Test func avx2IsThePortableLoopsBuiltForAVX2() {
        let basis = RealMatrix(rows: 5, columns: 3, repeating: 1)
        let automatic = ComplexNMFKernel(basis: basis, lambda: 0, sparsity: 1).instructionSet
        let expected: ComplexNMFKernel.InstructionSet = automatic == .portable ? .portable : .avx2
        for components in [3, 300] {
            let basis = RealMatrix(rows: 5, columns: components, repeating: 1)
            #expect(ComplexNMFKernel(basis: basis, lambda: 0, sparsity: 1, instructionSet: .avx2).instructionSet == expected, "K = \(components)")
        }
        #expect(ComplexNMFKernel(basis: basis, lambda: 0, sparsity: 1, instructionSet: .portable).instructionSet == .portable)
    }

    /// With 200 components `ComplexNMF` runs the component-major loops, and they keep the
    /// determinism the tile loops have: the same bits for 1 and 3 threads, for frames split into
    /// blocks, and from the stopping-rule driver (whose sweeps alternate direction the same way).
    @Test(arguments: [0.0, 0.3])
    func componentMajorResultsDoNotDependOnThreadsBlocksOrDriver(jitter: Double) throws {
        let (whole, h) = try Self.problem(components: 200)
        let y = Self.lastFrames(whole, 6)
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 8)
        var config = ComplexNMFConfiguration()
        config.lambda = Self.lambda(y, sparsity: config.sparsity)  // (the default depends on the frames given)
        config.phaseJitter = jitter
        config.stopping = StoppingRule(maximumIterations: 9)
        let one = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        config.threadCount = 3
        Self.expectIdentical(try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0), one, "3 threads")
        config.stopping = StoppingRule(maximumIterations: 9, costThreshold: 0)
        let driven = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        #expect(driven.iterations == 9)
        Self.expectIdentical(driven, one, "stopping-rule driver")
        config.stopping = StoppingRule(maximumIterations: 9)
        for block in [0..<2, 2..<6] {
            let part = ComplexMatrix(rows: y.rows, columns: block.count, values: Array(y.values[(2 * y.rows * block.lowerBound)..<(2 * y.rows * block.upperBound)]))
            let u = RealMatrix(rows: h.columns, columns: block.count, values: Array(u0.values[(h.columns * block.lowerBound)..<(h.columns * block.upperBound)]))
            let result = try ComplexNMF(configuration: config).decompose(spectrogram: part, basis: h, initialActivations: u, frameOffset: block.lowerBound)
            #expect(result.activations.values[...] == one.activations.values[(h.columns * block.lowerBound)..<(h.columns * block.upperBound)])
            #expect(result.reconstruction.values[...] == one.reconstruction.values[(2 * y.rows * block.lowerBound)..<(2 * y.rows * block.upperBound)])
        }
        let costs = [one.initialCost] + one.cost
        for i in 1..<costs.count {
            #expect(costs[i] <= costs[i - 1] * (1 + 1e-6), "objective rose from \(costs[i - 1]) to \(costs[i]) at iteration \(i)")
        }
    }

    /// The kernel's own mixture-phase start (`.mixture`, written straight into the loop layout)
    /// is the run from the mixture phases given in the caller's layout, bit for bit, in every
    /// layout (zero bins included: Y = 0 has phase 1).
    @Test(arguments: [ComplexNMFKernel.InstructionSet.portable, .avx2, .avx512Tiles, .avx512ComponentMajor])
    func mixtureStartIsTheRunFromTheGivenMixturePhases(instructionSet: ComplexNMFKernel.InstructionSet) throws {
        let (whole, h) = try Self.problem(components: 37)
        var y = Self.lastFrames(whole, 4)
        for f in 0..<9 { y.values[2 * f] = 0; y.values[2 * f + 1] = 0 }
        let kernel = ComplexNMFKernel(basis: h, lambda: Self.lambda(y, sparsity: 1.2), sparsity: 1.2, instructionSet: instructionSet)
        let (u0, given) = Self.startingPoint(y, components: h.columns, jitter: 0)
        func run(_ start: ComplexNMFKernel.PhaseStart, _ initial: PhaseTensor) -> (RealMatrix, PhaseTensor, [Double]) {
            var (u, phases) = (u0, initial)
            let result = u.values.withUnsafeMutableBufferPointer { activations in
                phases.values.withUnsafeMutableBufferPointer { p in
                    kernel.runFrameMajor(spectrogram: y, activations: activations, phases: p, start: start, iterations: 7, threads: 1)
                }
            }
            return (u, phases, result.cost)
        }
        let fromGiven = run(.given, given.expanded())
        let fromMixture = run(.mixture, PhaseTensor(components: h.columns, bins: y.rows, frames: y.columns))
        #expect(fromMixture.0 == fromGiven.0)
        #expect(fromMixture.1 == fromGiven.1)
        #expect(fromMixture.2 == fromGiven.2)
    }

    /// The component-major loops on the inputs that break numerics: a spectrogram scaled by
    /// 2^−70 and by 2^40 (the per-bin scaling must keep |z|² in range), silent frames and zero
    /// bins, one bin, and 17 bins (a second run of 16 bins with one bin in it). They follow the
    /// tile loops (which the double reference checks) to float rounding, stay finite, and keep
    /// every phase on the unit circle.
    @Test(arguments: [(0x1p-70, 257), (0x1p40, 257), (1.0, 1), (1.0, 17), (0.0, 257)] as [(Double, Int)])
    func componentMajorLoopsFollowTheTileLoopsOnEdgeInputs(scale: Double, bins: Int) throws {
        let (whole, full) = try Self.problem(components: 21)
        var y = Self.lastFrames(whole, 3)
        for i in 0..<y.values.count { y.values[i] = Float(Double(y.values[i]) * scale) }
        y = ComplexMatrix(rows: bins, columns: y.columns, values: (0..<y.columns).flatMap { t in y.values[(2 * y.rows * t)..<(2 * y.rows * t + 2 * bins)] })
        for f in 0..<(bins / 3) { for t in 0..<y.columns { y.values[2 * (f * 3 + bins * t)] = 0; y.values[2 * (f * 3 + bins * t) + 1] = 0 } }
        let h = RealMatrix(rows: bins, columns: full.columns, values: (0..<full.columns).flatMap { k in full.values[(full.rows * k)..<(full.rows * k + bins)] })
        var energy = 0.0
        for x in y.values { energy += Double(x) * Double(x) }
        let lambda = energy > 0 ? ComplexNMFConfiguration.defaultLambda(energy: energy, bins: bins, sparsity: 1.2) : 1
        var u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 3)
        for i in 0..<u0.values.count { u0.values[i] = max(Float(Double(u0.values[i]) * max(scale, 1e-30)), NumericalGuards.activationFloor) }
        var start = PhaseTensor(mixturePhasesOf: y, components: h.columns).expanded()
        PhaseJitter.apply(to: &start, standardDeviation: 0.3, seed: 4, frameOffset: 0, stream: 0)
        let tiles = Self.fast(y, h, start: (u0, start), lambda: lambda, sparsity: 1.2, iterations: 12, instructionSet: .avx512Tiles)
        let major = Self.fast(y, h, start: (u0, start), lambda: lambda, sparsity: 1.2, iterations: 12, instructionSet: .avx512ComponentMajor)
        #expect(major.cost.allSatisfy(\.isFinite) && major.activations.values.allSatisfy(\.isFinite))
        #expect(Self.worstRelative(major.cost, tiles.cost) < 1e-5, "costs \(major.cost.last!) vs \(tiles.cost.last!)")
        #expect(relativeError(major.activations.values.map(Double.init), tiles.activations.values.map(Double.init)) < 1e-4)
        let phases = major.phases.expanded().values
        var worst = 0.0
        for i in stride(from: 0, to: phases.count, by: 2) {
            worst = max(worst, abs((Double(phases[i]) * Double(phases[i]) + Double(phases[i + 1]) * Double(phases[i + 1])).squareRoot() - 1))
        }
        #expect(worst < 1e-6, "a phase is off the unit circle by \(worst)")
    }
}
