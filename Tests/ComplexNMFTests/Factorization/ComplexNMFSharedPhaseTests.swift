import Foundation
import Testing
import CComplexNMFKernel
@testable import ComplexNMF

/// The mixture-phase start's exact shortcut (`ComplexNMFKernel+SharedPhase`, taken by
/// `ComplexNMF.decompose` when no initial phases and no jitter are given) against the general
/// float sweep from the same start and against the plain double reference kernel.
@Suite struct ComplexNMFSharedPhaseTests {
    typealias Problem = ComplexNMFKernelTests

    /// `decompose` from the default start (the shortcut), `iterations` fixed.
    static func shortcut(_ y: ComplexMatrix, _ h: RealMatrix, u0: RealMatrix, lambda: Double, sparsity: Double,
                         rule: StoppingRule) throws -> ComplexNMFResult {
        var config = ComplexNMFConfiguration()
        config.lambda = lambda
        config.sparsity = sparsity
        config.stopping = rule
        return try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
    }

    @Test(arguments: [ComplexNMFKernel.InstructionSet.automatic, .portable, .avx2, .avx512ComponentMajor],
          [(1.2, nil), (0.6, 1e-3), (1.9, 10.0), (1.0, 0.0)] as [(Double, Double?)])
    func shortcutAgreesWithTheGeneralSweepFromTheMixturePhase(instructionSet: ComplexNMFKernel.InstructionSet,
                                                               parameters: (Double, Double?)) throws {
        let (p, fixedLambda) = parameters
        let (y, h) = try Problem.problem()
        let lambda = fixedLambda ?? Problem.lambda(y, sparsity: p)
        let start = Problem.startingPoint(y, components: h.columns, jitter: 0)
        let general = Problem.fast(y, h, start: start, lambda: lambda, sparsity: p, iterations: 60, instructionSet: instructionSet)
        let shortcut = try Self.shortcut(y, h, u0: start.0, lambda: lambda, sparsity: p, rule: StoppingRule(maximumIterations: 60))
        Problem.expectAgreement(shortcut, general, cost: 1e-6, activations: 1e-5, model: 1e-5)
        #expect(shortcut.phases == start.1, "phases must stay exactly at the mixture phase")
        #expect(shortcut.phases.isSharedAcrossComponents && shortcut.phases.values.count == 2 * y.rows * y.columns, "kept once per bin and frame")
        // The general sweep leaves them there too, up to float rounding.
        #expect(Problem.weightedPhaseDifference(general, shortcut, basis: h) < 1e-5)
    }

    @Test(arguments: [(1.2, nil), (0.6, 1e-3), (1.0, 0.0)] as [(Double, Double?)])
    func shortcutAgreesWithTheDoubleReference(parameters: (Double, Double?)) throws {
        let (p, fixedLambda) = parameters
        let (y, h) = try Problem.problem()
        let lambda = fixedLambda ?? Problem.lambda(y, sparsity: p)
        let start = Problem.startingPoint(y, components: h.columns, jitter: 0)
        let reference = ComplexNMFReferenceKernel.decompose(spectrogram: y, basis: h, activations: start.0, phases: start.1, lambda: lambda,
                                                            sparsity: p, stopping: StoppingRule(maximumIterations: 40))
        let shortcut = try Self.shortcut(y, h, u0: start.0, lambda: lambda, sparsity: p, rule: StoppingRule(maximumIterations: 40))
        Problem.expectAgreement(shortcut, reference, cost: 1e-6, activations: 1e-5, model: 1e-5)
    }

    @Test func objectiveNeverIncreasesAndStaysNonNegative() throws {
        let (y, h) = try Problem.problem()
        let start = Problem.startingPoint(y, components: h.columns, jitter: 0)
        let result = try Self.shortcut(y, h, u0: start.0, lambda: Problem.lambda(y, sparsity: 1.2), sparsity: 1.2,
                                       rule: StoppingRule(maximumIterations: 200))
        let costs = [result.initialCost] + result.cost
        for i in 1..<costs.count {
            #expect(costs[i] <= costs[i - 1] * (1 + 1e-12), "objective rose from \(costs[i - 1]) to \(costs[i]) at iteration \(i)")
        }
        #expect(costs.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(result.cost.last! < 0.5 * result.initialCost, "200 iterations must fit the mixture much better than the start")
    }

    /// An exact fit: Y = H·U* with the mixture phase. Without penalty the residual must approach 0
    /// through the expanded cost ‖Y‖² − 2UᵀN + UᵀGU, which rounding must never drive below 0.
    @Test func exactlyRepresentableMixtureIsFittedAndItsCostNeverNegative() throws {
        let (y0, h) = try Problem.problem(frames: 6)
        var truth = RealMatrix(rows: h.columns, columns: y0.columns)
        for t in 0..<y0.columns { for k in 0..<h.columns where (k + t) % 4 == 0 { truth[k, t] = Float(1 + k % 3) } }
        var y = ComplexMatrix(rows: y0.rows, columns: y0.columns)
        for t in 0..<y.columns {
            for f in 0..<y.rows {
                var s = 0.0
                for k in 0..<h.columns { s += Double(h[f, k]) * Double(truth[k, t]) }
                let angle = Double(f * 7 + t * 3) * 0.37
                y.values[2 * (f + y.rows * t)] = Float(s * cos(angle))
                y.values[2 * (f + y.rows * t) + 1] = Float(s * sin(angle))
            }
        }
        let u0 = RealMatrix(rows: h.columns, columns: y.columns, repeating: 1)
        let result = try Self.shortcut(y, h, u0: u0, lambda: 0, sparsity: 1.2, rule: StoppingRule(maximumIterations: 500))
        #expect(result.cost.allSatisfy { $0 >= 0 })
        #expect(result.cost.last! < 1e-3 * result.initialCost, "residual \(result.cost.last!) of \(result.initialCost)")
    }

    @Test func silentFramesZeroBinsAndZeroColumnsGiveZerosNotNaN() throws {
        let (y0, h0) = try Problem.problem(frames: 5)
        var y = y0, h = h0
        for f in 0..<y.rows { y.values[2 * (f + y.rows * 2)] = 0; y.values[2 * (f + y.rows * 2) + 1] = 0 }   // frame 2 silent
        for t in 0..<y.columns { y.values[2 * (40 + y.rows * t)] = 0; y.values[2 * (40 + y.rows * t) + 1] = 0 }   // bin 40 silent
        for f in 0..<h.rows { h[f, 3] = 0 }   // a zero template
        for rule in [StoppingRule(maximumIterations: 20), StoppingRule(maximumIterations: 20, relativeTolerance: 1e-12)] {
            let result = try Self.shortcut(y, h, u0: RealMatrix(rows: h.columns, columns: y.columns, repeating: 1), lambda: 1e-3,
                                           sparsity: 1.2, rule: rule)
            #expect(result.activations.values.allSatisfy(\.isFinite) && result.reconstruction.values.allSatisfy(\.isFinite))
            #expect(result.cost.allSatisfy(\.isFinite) && result.initialCost.isFinite)
            #expect((0..<h.columns).allSatisfy { result.activations[$0, 2] == 0 }, "a silent frame has zero activations")
            #expect((0..<y.columns).allSatisfy { result.activations[3, $0] == 0 }, "a zero template has zero activations")
            #expect(result.phases[3, 40, 1] == (1, 0), "phase 0 where |Y| = 0")
        }
    }

    /// Frames side by side (`cnmf_shared_phase_run_frames`: up to 8 frames per pass over HᵀH,
    /// their products in groups of up to 6 vectors and 24 components) give the bits of one frame
    /// at a time (`cnmf_shared_phase_run`, one HᵀH·U per frame), for any number of frames per
    /// call and any K (partial groups of frames and of components), on every instruction set.
    @Test(arguments: [ComplexNMFKernel.InstructionSet.portable, .avx2, .avx512Tiles, .avx512ComponentMajor], [1, 5, 20, 27, 50])
    func framesSideBySideGiveTheBitsOfOneFrameAtATime(instructionSet: ComplexNMFKernel.InstructionSet, components: Int) throws {
        let (y, h) = try Problem.problem(frames: 40, components: components)
        let frames = y.columns, bins = y.rows, iterations = 30
        let kernel = ComplexNMFKernel(basis: h, lambda: Problem.lambda(y, sparsity: 1.2), sparsity: 1.2, instructionSet: instructionSet)
        let workspace = kernel.makeWorkspace()
        let start = Problem.startingPoint(y, components: components, jitter: 0).0.values
        var numerators = [Double](repeating: 0, count: components * frames), energies = [Double](repeating: 0, count: frames)
        y.values.withUnsafeBufferPointer { spectrum in
            for t in 0..<frames {
                numerators.withUnsafeMutableBufferPointer { n in
                    energies[t] = cnmf_shared_phase_statistics(kernel.plan, workspace.pointer, spectrum.baseAddress! + 2 * bins * t,
                                                               n.baseAddress! + components * t)
                }
            }
        }
        // One frame at a time.
        var single = start, singleCosts = [Double](repeating: 0, count: (iterations + 1) * frames)
        for t in 0..<frames {
            single.withUnsafeMutableBufferPointer { u in
                singleCosts.withUnsafeMutableBufferPointer { c in
                    numerators.withUnsafeBufferPointer { n in
                        cnmf_shared_phase_run(kernel.plan, workspace.pointer, n.baseAddress! + components * t, energies[t],
                                              u.baseAddress! + components * t, Int32(iterations), c.baseAddress! + (iterations + 1) * t)
                    }
                }
            }
        }
        // Side by side, all frames in one call and in calls of 3 (groups that start elsewhere).
        for perCall in [frames, 3] {
            var grouped = start, groupedCosts = [Double](repeating: 0, count: (iterations + 1) * frames)
            for first in stride(from: 0, to: frames, by: perCall) {
                let count = min(perCall, frames - first)
                grouped.withUnsafeMutableBufferPointer { u in
                    groupedCosts.withUnsafeMutableBufferPointer { c in
                        numerators.withUnsafeBufferPointer { n in
                            energies.withUnsafeBufferPointer { e in
                                cnmf_shared_phase_run_frames(kernel.plan, workspace.pointer, Int32(count), n.baseAddress! + components * first,
                                                             e.baseAddress! + first, u.baseAddress! + components * first, Int32(iterations),
                                                             c.baseAddress! + (iterations + 1) * first, iterations + 1)
                            }
                        }
                    }
                }
            }
            let activations = zip(grouped, single).filter { $0.bitPattern != $1.bitPattern }.count
            let costs = zip(groupedCosts, singleCosts).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(activations == 0, "\(activations) of \(single.count) activations differ, \(perCall) frames per call")
            #expect(costs == 0, "\(costs) of \(singleCosts.count) costs differ, \(perCall) frames per call")
        }
        #expect(singleCosts.allSatisfy(\.isFinite) && singleCosts.contains { $0 > 0 }, "the fixture's chord frames have a positive cost")
    }

    /// The AVX-512 loops of the shortcut's per-frame passes (Hᵀ|Y| and ‖Y‖²; the model and the
    /// mixture phases) and of the activation update do the portable code's operations in its
    /// order: the same bits on both layouts, on silent, tiny and huge frames (257 bins: a partial
    /// tile), activations at and below the floor, zero and NaN denominators.
    @Test(arguments: [ComplexNMFKernel.InstructionSet.avx512Tiles, .avx512ComponentMajor], [1, 7, 88])
    func vectorLoopsGiveThePortableBits(instructionSet: ComplexNMFKernel.InstructionSet, components: Int) throws {
        let (fixture, h) = try Problem.problem(frames: 40, components: components)
        let bins = fixture.rows
        // The fixture's frames (silence, then the chord) and the chord scaled to 2⁻⁷⁰ and 2⁴⁰.
        let chord = Array(fixture.values[(2 * bins * (fixture.columns - 1))...])
        let y = fixture.values + chord.map { $0 * 0x1p-70 } + chord.map { $0 * 0x1p40 }
        let frames = fixture.columns + 2
        let lambda = Problem.lambda(fixture, sparsity: 1.2)
        let portable = ComplexNMFKernel(basis: h, lambda: lambda, sparsity: 1.2, instructionSet: .portable)
        let vector = ComplexNMFKernel(basis: h, lambda: lambda, sparsity: 1.2, instructionSet: instructionSet)
        guard vector.instructionSet != .portable else { return }  // a CPU without AVX-512
        let (wp, wv) = (portable.makeWorkspace(), vector.makeWorkspace())
        let u0 = Problem.startingPoint(fixture, components: components, jitter: 0).0.values
        for t in 0..<frames {
            var (np, nv) = ([Double](repeating: 0, count: components), [Double](repeating: 1, count: components))
            var (up, uv) = ([Float](repeating: 0, count: components), [Float](repeating: 0, count: components))
            for k in 0..<components {
                let floor = NumericalGuards.activationFloor
                up[k] = k % 3 == 0 ? floor : k % 3 == 1 && t % 2 == 0 ? floor / 2 : u0[components * (t % fixture.columns) + k]
            }
            uv = up
            var (mp, mv) = ([Float](repeating: 0, count: 2 * bins), [Float](repeating: 1, count: 2 * bins))
            var (pp, pv) = ([Float](repeating: 0, count: 2 * bins), [Float](repeating: 1, count: 2 * bins))
            let (ep, ev) = y.withUnsafeBufferPointer { spectrum in
                let frame = spectrum.baseAddress! + 2 * bins * t
                let ep = cnmf_shared_phase_statistics(portable.plan, wp.pointer, frame, &np)
                let ev = cnmf_shared_phase_statistics(vector.plan, wv.pointer, frame, &nv)
                cnmf_shared_phase_finish(portable.plan, frame, &up, &mp, &pp)
                cnmf_shared_phase_finish(vector.plan, frame, &uv, &mv, &pv)
                return (ep, ev)
            }
            #expect(ep.bitPattern == ev.bitPattern && np.map(\.bitPattern) == nv.map(\.bitPattern), "Hᵀ|Y|, ‖Y‖² of frame \(t)")
            #expect(up == uv && mp.map(\.bitPattern) == mv.map(\.bitPattern) && pp.map(\.bitPattern) == pv.map(\.bitPattern),
                    "model and phases of frame \(t)")
        }
        // The update, on values spread over many magnitudes, with zero, negative and NaN denominators.
        var generator = SeededRandomGenerator(seed: 11)
        for _ in 0..<20 {
            func values(_ scale: Double) -> [Double] {
                (0..<components).map { _ in scale * Foundation.pow(10, 12 * generator.nextUnitInterval() - 6) }
            }
            let activation = values(1), numerator = values(1)
            var power = values(1), denominator = values(1)
            // Whole denominators (with λ p U^(p−1)) of 0, below 0 and NaN.
            (power[0], denominator[0]) = (0, 0)
            if components > 2 { (power[1], denominator[1]) = (0, -1e-3); denominator[2] = .nan }
            var (a, b) = ([Float](repeating: 0, count: components), [Float](repeating: 1, count: components))
            cnmf_update_activations_of(portable.plan, wp.pointer, activation, power, numerator, denominator, &a)
            cnmf_update_activations_of(vector.plan, wv.pointer, activation, power, numerator, denominator, &b)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "activation update")
            #expect(a.allSatisfy { $0 >= NumericalGuards.activationFloor }, "never below the floor")
        }
    }

    /// Phases given explicitly (even if they equal the mixture phase) and any jitter take the
    /// general sweep: only the default start is known to keep the phases together.
    @Test func onlyTheDefaultStartTakesTheShortcut() throws {
        let (y, h) = try Problem.problem(frames: 6)
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 8)
        var config = ComplexNMFConfiguration()
        config.stopping = StoppingRule(maximumIterations: 30)
        config.phaseJitter = 1e-3
        let jittered = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        let mixture = PhaseTensor(mixturePhasesOf: y, components: h.columns)
        #expect(jittered.phases != mixture, "with jitter the phases move apart")
    }

    /// U^(p−1) at the start of every iteration (the shared-phase form's main cost outside HᵀH·U):
    /// the portable build's is libm's pow, bit for bit; the AVX2 build's is the AVX-512 loops'
    /// series, lane for lane, so their bits, within 5e-11 of pow (measured 1.6e-11 at worst: the log series'
    /// truncation); for activations from the floor
    /// to 10⁶, around the √2 split of the mantissa, and K = 37 (no whole number of vectors).
    @Test(arguments: [0.2, 0.5, 1.2, 1.9])
    func powersOfTheAVX2BuildAreTheAVX512LoopsBits(sparsity: Double) throws {
        let components = 37
        let h = RealMatrix(rows: 4, columns: components, repeating: 0.25)
        var generator = SeededRandomGenerator(seed: UInt64(sparsity * 10))
        var u = (0..<components).map { _ in Float(Foundation.pow(10, 36 * generator.nextUnitInterval() - 30)) }
        let floor = NumericalGuards.activationFloor
        let edges: [Float] = [floor, floor * 2, 1, 2, 0.5, Float(2.0.squareRoot()), Float(2.0.squareRoot()).nextUp,
                              Float(2.0.squareRoot()).nextDown, 1e6, 3]
        u.replaceSubrange(0..<edges.count, with: edges)
        func powers(_ instructionSet: ComplexNMFKernel.InstructionSet) -> (values: [Double], penalty: Double, ran: ComplexNMFKernel.InstructionSet) {
            let kernel = ComplexNMFKernel(basis: h, lambda: 1, sparsity: sparsity, instructionSet: instructionSet)
            let workspace = kernel.makeWorkspace()
            var power = [Double](repeating: .nan, count: components)
            let penalty = cnmf_powers_of(kernel.plan, workspace.pointer, u, &power)
            return (power, penalty, kernel.instructionSet)
        }
        let exponent = sparsity - 1
        let portable = powers(.portable), avx2 = powers(.avx2), avx512 = powers(.avx512Tiles)
        #expect(portable.values.map(\.bitPattern) == u.map { Foundation.pow(Double($0), exponent).bitPattern }, "portable: libm pow")
        for (k, x) in u.enumerated() {
            let exact = Foundation.pow(Double(x), exponent)
            #expect(abs(avx2.values[k] - exact) <= 5e-11 * exact, "u = \(x): \(avx2.values[k]) vs pow \(exact)")
        }
        let sum = zip(u, avx2.values).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        #expect(abs(avx2.penalty - sum) <= 1e-12 * sum, "Σ U^p")
        if avx2.ran == .avx2 && avx512.ran == .avx512Tiles {
            #expect(avx2.values.map(\.bitPattern) == avx512.values.map(\.bitPattern), "the AVX2 build's powers are the AVX-512 loops' bits")
        }
    }
}
