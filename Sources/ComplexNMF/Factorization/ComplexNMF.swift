import Foundation

/// The result of `ComplexNMF.decompose`.
public struct ComplexNMFResult: Sendable {
    /// Activations `U` `[components × frames]` (values at the internal floor reported as 0).
    public var activations: RealMatrix
    /// Phases `P` `[components × bins × frames]`.
    public var phases: PhaseTensor
    /// The model `Σ_k H[:,k] U[k,:] P[k,:,:]` `[bins × frames]` after the last iteration.
    public var reconstruction: ComplexMatrix
    /// Objective `Σ|Y − model|² + 2λ Σ U^p` after each iteration run.
    public var cost: [Double]
    /// Objective at the initial activations and phases.
    public var initialCost: Double
    /// The penalty weight λ used.
    public var lambda: Double
    /// Iterations run.
    public var iterations: Int { cost.count }
}

/// Complex NMF with a fixed basis (Kameoka, Ono, Kashino, Sagayama, ICASSP 2009).
///
/// Model `Y[f,t] ≈ Σ_k H[f,k] U[k,t] P[k,f,t]`, objective `Σ|Y − F|² + 2λ Σ U^p`, minimised by
/// the auxiliary-function iteration (H fixed, never modified):
///
///     β[k,f,t] = H U / S,  S = Σ_k H U,  F = Σ_k H U P,  R = Y − F
///     X̄ = H U P + β R,     P ← X̄ / |X̄|
///     U ← Σ_f H |X̄| / β  /  (Σ_f H² / β + λ p U^(p−2))
///
/// computed in the equivalent factored form, which needs no division by β and is exact where
/// `H U = 0`:  with `z_k = S P_k + R` (so `X̄_k = (H U / S) z_k`),
///
///     P_k ← z_k / |z_k|,   U_k ← U_k · Σ_f H |z_k|  /  ((HᵀH U)_k + λ p U_k^(p−1))
///
/// (`|X̄|/β = |z|`, `H²/β = H S / U`, `Σ_f H S = (HᵀH U)_k`). With every phase at `Y/|Y|`,
/// `z_k` is the same for every k and parallel to Y, so phases stay at the mixture phase.
/// Sums are accumulated in Double; zero bins, silent frames and zero basis columns give
/// zero activations and unchanged phases, never NaN. Each frame is independent given H, so
/// frames are split over threads with results independent of the split.
///
/// Memory: the phases `8 · K · F · T` bytes plus `24 · F · T` bytes of per-bin state.
public struct ComplexNMF: Sendable {
    /// The settings.
    public var configuration: ComplexNMFConfiguration

    /// A Complex NMF with the given settings.
    public init(configuration: ComplexNMFConfiguration = ComplexNMFConfiguration()) {
        self.configuration = configuration
    }

    /// Decomposes `spectrogram` `Y` `[bins × frames]` with `basis` `H` `[bins × K]`.
    /// - Parameters:
    ///   - initialActivations: `U0` `[K × frames]`, finite and ≥ 0.
    ///   - initialPhases: `P0`; default: the mixture phase `Y/|Y|` (plus `phaseJitter`).
    ///   - frameOffset: global index of the first frame (keys the seeded phase jitter, so a
    ///     spectrogram processed in blocks gets the same phases as in one piece).
    ///   - stream: separates the random streams of channels (0 for the first).
    ///   - progress: called after each iteration.
    /// - Throws: `ComplexNMFError.invalidParameter` for invalid settings,
    ///   `.numericalFailure` naming the iteration if the objective stops being finite.
    public func decompose(spectrogram: ComplexMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          initialPhases: PhaseTensor? = nil, frameOffset: Int = 0, stream: UInt64 = 0,
                          progress: ((IterationProgress) -> Void)? = nil) throws -> ComplexNMFResult {
        try configuration.validate()
        let bins = spectrogram.rows, frames = spectrogram.columns, components = basis.columns
        precondition(basis.rows == bins, "basis has \(basis.rows) bins, spectrogram \(bins)")
        precondition(initialActivations.rows == components && initialActivations.columns == frames, "U0 shape")

        let p = configuration.sparsity
        var energy = 0.0
        for x in spectrogram.values { energy += Double(x) * Double(x) }
        let lambda = configuration.lambda ?? ComplexNMFConfiguration.defaultLambda(energy: energy, bins: bins, sparsity: p)

        var phases = initialPhases ?? PhaseTensor(mixturePhasesOf: spectrogram, components: components)
        precondition(phases.components == components && phases.bins == bins && phases.frames == frames, "P0 shape")
        if initialPhases == nil && configuration.phaseJitter > 0 {
            PhaseJitter.apply(to: &phases, standardDeviation: configuration.phaseJitter, seed: configuration.seed, frameOffset: frameOffset, stream: stream)
        }
        var activations = initialActivations
        for i in 0..<activations.values.count {
            activations.values[i] = max(activations.values[i], NumericalGuards.activationFloor)
        }
        let kernel = ComplexNMFKernel(basis: basis, lambda: lambda, sparsity: p)
        var state = ComplexNMFKernel.BinState(bins: bins, frames: frames)
        let threads = max(1, min(configuration.threadCount, frames))
        let rule = configuration.stopping

        let initialCost = kernel.residualPass(spectrogram: spectrogram, activations: activations, phases: phases, state: &state, threads: threads)
        var costs: [Double] = []
        while true {
            kernel.updatePass(activations: &activations, phases: &phases, state: state, threads: threads)
            let cost = kernel.residualPass(spectrogram: spectrogram, activations: activations, phases: phases, state: &state, threads: threads)
            guard cost.isFinite else {
                throw ComplexNMFError.numericalFailure(reason: "Complex NMF objective became \(cost) at iteration \(costs.count + 1)")
            }
            costs.append(cost)
            progress?(IterationProgress(iteration: costs.count, maximumIterations: rule.maximumIterations, cost: cost))
            if rule.shouldStop(costs: costs) { break }
        }
        // Activations at the floor are reported as 0, and the model F = Y − R is recomputed
        // from exactly the reported activations so that the outputs agree with each other.
        for i in 0..<activations.values.count where activations.values[i] <= NumericalGuards.activationFloor {
            activations.values[i] = 0
        }
        _ = kernel.residualPass(spectrogram: spectrogram, activations: activations, phases: phases, state: &state, threads: threads)
        var reconstruction = ComplexMatrix(rows: bins, columns: frames)
        for i in 0..<(bins * frames) {
            reconstruction.values[2 * i] = Float(Double(spectrogram.values[2 * i]) - state.residual[2 * i])
            reconstruction.values[2 * i + 1] = Float(Double(spectrogram.values[2 * i + 1]) - state.residual[2 * i + 1])
        }
        return ComplexNMFResult(activations: activations, phases: phases, reconstruction: reconstruction,
                                cost: costs, initialCost: initialCost, lambda: lambda)
    }
}

/// Seeded perturbation of phases: `P ← P · exp(jφ)`, `φ ~ N(0, σ²)` drawn from a generator
/// keyed by `(seed, stream, global frame)`, so the result does not depend on how frames are split.
enum PhaseJitter {
    static func apply(to phases: inout PhaseTensor, standardDeviation sigma: Double, seed: UInt64, frameOffset: Int, stream: UInt64) {
        let perFrame = phases.components * phases.bins
        for t in 0..<phases.frames {
            var generator = SeededRandomGenerator(seed: ActivationInitializer.frameKey(seed: seed, stream: stream, frame: frameOffset + t, purpose: 2))
            for j in 0..<perFrame {
                let i = 2 * (t * perFrame + j)
                let phi = sigma * generator.nextGaussian()
                let (c, s) = (cos(phi), sin(phi))
                let re = Double(phases.values[i]), im = Double(phases.values[i + 1])
                phases.values[i] = Float(re * c - im * s)
                phases.values[i + 1] = Float(re * s + im * c)
            }
        }
    }
}
