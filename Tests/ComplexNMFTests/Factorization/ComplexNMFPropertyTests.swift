import Foundation
import Testing
@testable import ComplexNMF

@Suite struct ComplexNMFPropertyTests {
    func run(_ configure: (inout ComplexNMFConfiguration) -> Void = { _ in }, frames: Int = 40) throws -> (ComplexNMFResult, ComplexMatrix, RealMatrix) {
        let (y, h) = try FixtureProblem.make(frames: frames)
        var config = ComplexNMFConfiguration()
        config.stopping = StoppingRule(maximumIterations: 40)
        configure(&config)
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 1)
        return (try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0), y, h)
    }

    @Test(arguments: [(1.2, 0.0, nil), (1.2, 0.5, nil), (0.6, 0.3, 1e-3), (1.9, 1.0, 10.0), (1.0, 0.0, 0.0)] as [(Double, Double, Double?)])
    func objectiveNeverIncreases(p: Double, jitter: Double, lambda: Double?) throws {
        let (result, _, _) = try run { $0.sparsity = p; $0.phaseJitter = jitter; $0.lambda = lambda; $0.seed = 3 }
        let costs = [result.initialCost] + result.cost
        for i in 1..<costs.count {
            // Float phases/activations: allow rounding at the 1e-6 relative level only.
            #expect(costs[i] <= costs[i - 1] * (1 + 1e-6), "objective rose from \(costs[i - 1]) to \(costs[i]) at iteration \(i)")
        }
        #expect(result.cost.last! < result.initialCost)
    }

    @Test func componentsSumToReconstruction() throws {
        let (result, _, h) = try run { $0.phaseJitter = 0.4 }
        let model = modelFromComponents(basis: h, activations: result.activations, phases: result.phases)
        let reconstruction = result.reconstruction.values.map(Double.init)
        #expect(relativeError(model, reconstruction) < 1e-5)
    }

    @Test func phasesHaveUnitModulus() throws {
        let (result, _, _) = try run { $0.phaseJitter = 0.4 }
        let p = result.phases.values
        var worst = 0.0
        for i in stride(from: 0, to: p.count, by: 2) {
            let modulus = Double(p[i]) * Double(p[i]) + Double(p[i + 1]) * Double(p[i + 1])
            worst = max(worst, abs(modulus - 1))
        }
        #expect(worst < 1e-5)
    }

    @Test func prescribedStartKeepsEveryPhaseAtTheMixturePhase() throws {
        let (result, y, h) = try run()
        #expect(result.phases.isSharedAcrossComponents, "the default start keeps one phase per bin and frame")
        let phases = result.phases.expanded()
        var worstAngle = 0.0
        let threshold = Double(y.maximumMagnitude()) * 1e-3
        for t in 0..<y.columns {
            for f in 0..<y.rows {
                let re = Double(y.real(f, t)), im = Double(y.imaginary(f, t))
                let base = 2 * h.columns * (f + y.rows * t)
                for k in 1..<h.columns {
                    // Every component's phase is bit-identical to component 0's.
                    #expect(phases.values[base + 2 * k] == phases.values[base] && phases.values[base + 2 * k + 1] == phases.values[base + 1])
                }
                guard (re * re + im * im).squareRoot() > threshold else { continue }
                let angle = abs(atan2(Double(phases.values[base + 1]), Double(phases.values[base])) - atan2(im, re))
                worstAngle = max(worstAngle, min(angle, 2 * Double.pi - angle))
            }
        }
        #expect(worstAngle < 1e-3, "phase moved by \(worstAngle) rad from Y/|Y|")
    }

    @Test func phaseJitterLeavesTheMixturePhaseReproducibly() throws {
        let (a, _, _) = try run { $0.phaseJitter = 0.3; $0.seed = 7 }
        let (b, _, _) = try run { $0.phaseJitter = 0.3; $0.seed = 7 }
        let (c, _, _) = try run { $0.phaseJitter = 0.3; $0.seed = 8 }
        #expect(a.activations == b.activations && a.phases == b.phases)
        #expect(a.activations != c.activations)
    }

    @Test func resultsDoNotDependOnThreadCount() throws {
        let (one, _, _) = try run { $0.threadCount = 1; $0.phaseJitter = 0.2 }
        let (two, _, _) = try run { $0.threadCount = 2; $0.phaseJitter = 0.2 }
        let (seven, _, _) = try run { $0.threadCount = 7; $0.phaseJitter = 0.2 }
        #expect(one.activations == two.activations && one.phases == two.phases && one.cost == two.cost)
        #expect(one.activations == seven.activations && one.reconstruction == seven.reconstruction)
    }

    @Test func silenceZeroBinsAndZeroColumnsGiveZerosNotNaN() throws {
        var (y, h) = try FixtureProblem.make(frames: 12)
        for i in 0..<(2 * y.rows * 4) { y.values[i] = 0 }                 // frames 0–3 silent
        for t in 0..<y.columns { y.values[2 * (t * y.rows + 100)] = 0; y.values[2 * (t * y.rows + 100) + 1] = 0 }  // bin 100 zero
        for f in 0..<h.rows { h[f, 2] = 0 }                              // column 2 zero
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 2)
        let result = try ComplexNMF().decompose(spectrogram: y, basis: h, initialActivations: u0)
        #expect(result.activations.values.allSatisfy { $0.isFinite })
        #expect(result.phases.values.allSatisfy { $0.isFinite })
        #expect(result.reconstruction.values.allSatisfy { $0.isFinite })
        #expect(result.cost.allSatisfy { $0.isFinite })
        for t in 0..<4 { for k in 0..<h.columns { #expect(result.activations[k, t] == 0) } }
        for t in 0..<y.columns { #expect(result.activations[2, t] == 0) }
    }

    @Test func allSilentInputGivesZeroActivations() throws {
        let y = ComplexMatrix(rows: 257, columns: 5)
        let h = RealMatrix(rows: 257, columns: 3, repeating: 1 / 257)
        let u0 = ActivationInitializer.halfNormal(components: 3, frames: 5, seed: 1)
        let result = try ComplexNMF().decompose(spectrogram: y, basis: h, initialActivations: u0)
        #expect(result.activations.values.allSatisfy { $0 == 0 })
        #expect(result.lambda == 0)
        #expect(result.reconstruction.values.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [0.0, 2.0, -1.0, .nan])
    func sparsityOutsideTheOpenIntervalIsRefused(p: Double) throws {
        var config = ComplexNMFConfiguration()
        config.sparsity = p
        #expect(throws: ComplexNMFError.self) { try config.validate() }
    }

    @Test func negativeOrNaNSettingsAreRefused() throws {
        var config = ComplexNMFConfiguration()
        config.lambda = -1
        #expect(throws: ComplexNMFError.self) { try config.validate() }
        config = ComplexNMFConfiguration()
        config.stopping.costThreshold = .nan
        #expect(throws: ComplexNMFError.self) { try config.validate() }
        config = ComplexNMFConfiguration()
        config.stopping.maximumIterations = 0
        #expect(throws: ComplexNMFError.self) { try config.validate() }
    }

    @Test func defaultsAreThePredecessors() {
        let config = ComplexNMFConfiguration()
        #expect(config.sparsity == 1.2 && config.lambda == nil && config.phaseJitter == 0)
        #expect(config.stopping.maximumIterations == 100 && config.stopping.minimumIterationsForThreshold == 20)
        #expect(abs(ComplexNMFConfiguration.defaultLambda(energy: 1e6, bins: 1025, sparsity: 1.2) - 1e-5 * 1e6 / pow(1025, 0.4)) < 1e-12)
    }
}

@Suite struct NMFPropertyTests {
    @Test(arguments: Divergence.allCases)
    func costNeverIncreases(divergence: Divergence) throws {
        let (y, h) = try FixtureProblem.make()
        var config = NMFConfiguration()
        config.divergence = divergence
        config.stopping = StoppingRule(maximumIterations: 60)
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 4)
        let result = try NMF(configuration: config).decompose(magnitudes: y.magnitudes(), basis: h, initialActivations: u0)
        let costs = [result.initialCost] + result.cost
        for i in 1..<costs.count { #expect(costs[i] <= costs[i - 1] * (1 + 1e-9), "\(divergence) cost rose at \(i)") }
        #expect(result.iterations == 60)
    }

    @Test(arguments: Divergence.allCases)
    func resultsDoNotDependOnThreadCount(divergence: Divergence) throws {
        let (y, h) = try FixtureProblem.make()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 4)
        var results: [NMFResult] = []
        for threads in [1, 2, 5] {
            var config = NMFConfiguration()
            config.divergence = divergence
            config.threadCount = threads
            config.stopping = StoppingRule(maximumIterations: 10)
            results.append(try NMF(configuration: config).decompose(magnitudes: y.magnitudes(), basis: h, initialActivations: u0))
        }
        #expect(results[0].activations == results[1].activations && results[0].cost == results[1].cost)
        #expect(results[0].activations == results[2].activations)
    }

    @Test(arguments: Divergence.allCases)
    func silenceGivesZeroActivationsNotNaN(divergence: Divergence) throws {
        let v = RealMatrix(rows: 64, columns: 6)
        var h = RealMatrix(rows: 64, columns: 3, repeating: 1 / 64)
        for f in 0..<64 { h[f, 1] = 0 }
        var config = NMFConfiguration()
        config.divergence = divergence
        let result = try NMF(configuration: config).decompose(magnitudes: v, basis: h, initialActivations: ActivationInitializer.halfNormal(components: 3, frames: 6, seed: 1))
        #expect(result.activations.values.allSatisfy { $0.isFinite && $0 < 1e-6 })
        #expect(result.cost.allSatisfy { $0.isFinite })
    }

    @Test func thresholdWaitsTwentyIterationsAndToleranceStopsEarly() throws {
        let (y, h) = try FixtureProblem.make()
        let u0 = ActivationInitializer.halfNormal(components: h.columns, frames: y.columns, seed: 4)
        var config = NMFConfiguration()
        config.stopping = StoppingRule(maximumIterations: 100, costThreshold: .greatestFiniteMagnitude)
        let thresholded = try NMF(configuration: config).decompose(magnitudes: y.magnitudes(), basis: h, initialActivations: u0)
        #expect(thresholded.iterations == 20)
        config.stopping = StoppingRule(maximumIterations: 100, relativeTolerance: 0.5)
        let tolerated = try NMF(configuration: config).decompose(magnitudes: y.magnitudes(), basis: h, initialActivations: u0)
        #expect(tolerated.iterations < 10)
    }
}
