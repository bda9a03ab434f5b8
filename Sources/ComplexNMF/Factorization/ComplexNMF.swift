import CComplexNMFKernel
import Foundation

/// The result of `ComplexNMF.decompose`.
public struct ComplexNMFResult: Sendable {
    /// Activations `U` `[components × frames]` (values at the internal floor reported as 0).
    public var activations: RealMatrix
    /// Phases `P` `[components × bins × frames]`; in the shared layout (one phase per bin and
    /// frame) after the default start, in the per-component layout otherwise.
    public var phases: PhaseTensor
    /// The model `Σ_k H[:,k] U[k,:] P[k,:,:]` `[bins × frames]` after the last iteration.
    public var reconstruction: ComplexMatrix
    /// Objective `Σ|Y − model|² + 2λ Σ U^p` after each iteration run.
    public var cost: [Double]
    /// Objective at the initial activations and phases.
    public var initialCost: Double
    /// Each frame's share of the objective after each iteration, `[iterations × frames]`
    /// (iteration-major): `cost[i]` is the sum of row i in frame order.
    public var frameCosts: [Double]
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
/// `z_k = Y` for every k, so phases stay at the mixture phase and the iteration is sparse
/// Euclidean NMF of |Y|: the default start (no initial phases, no jitter) runs that exact
/// shortcut (`ComplexNMFKernel+SharedPhase`: Hᵀ|Y| once per frame, then K² per iteration) and
/// returns the phases in `PhaseTensor`'s shared layout. Any other start runs the general sweep.
/// The per-(k, f) arithmetic is float32 (vectorised, `ComplexNMFKernel`); `HᵀH U`, `U^(p−1)`,
/// the activation update and the objective are Double. Zero bins, silent frames and
/// zero basis columns give zero activations and unchanged phases, never NaN. Each frame is
/// independent given H, so frames are split over threads, and results are bit-identical for any
/// thread count and any split of the frames into blocks.
///
/// With a fixed number of iterations (no `costThreshold`, no `relativeTolerance`) each frame runs
/// all its iterations back to back while its phases stay in cache (≈ 2.5 G element updates/s per
/// core with AVX-512 for K = 88, F = 1025). With either rule the rule must see the cost summed
/// over all frames after every iteration: the frames run frame-major in blocks of 1, 2, 4, …
/// iterations, and when the rule stops inside a block they start again and run to the stop
/// (`ComplexNMFKernel.runUntilStopped`). The results are those of a fixed run of as many
/// iterations, bit for bit.
///
/// Memory: the phases `8 · K · F · T` bytes (`8 · F · T` from the default start), the model
/// `8 · F · T` bytes, and `8 · K · F` bytes of scratch per thread.
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
    ///   - progress: called after each iteration, in order (with a fixed number of iterations,
    ///     frames run all their iterations at once, so the calls come when all frames are done).
    /// - Throws: `ComplexNMFError.invalidParameter` for invalid settings,
    ///   `.numericalFailure` naming the iteration if the objective stops being finite.
    public func decompose(spectrogram: ComplexMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          initialPhases: PhaseTensor? = nil, frameOffset: Int = 0, stream: UInt64 = 0,
                          progress: ((IterationProgress) -> Void)? = nil) throws -> ComplexNMFResult {
        try decompose(spectrogram: spectrogram, basis: basis, initialActivations: initialActivations, initialPhases: initialPhases,
                      frameOffset: frameOffset, stream: stream, instructionSet: .automatic, progress: progress)
    }

    /// `decompose` on the loops `instructionSet` (`.automatic` for the public call; benchmarks
    /// force others).
    func decompose(spectrogram: ComplexMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                   initialPhases: PhaseTensor?, frameOffset: Int, stream: UInt64, instructionSet: ComplexNMFKernel.InstructionSet,
                   progress: ((IterationProgress) -> Void)?) throws -> ComplexNMFResult {
        try configuration.validate()
        let bins = spectrogram.rows, frames = spectrogram.columns, components = basis.columns
        precondition(basis.rows == bins, "basis has \(basis.rows) bins, spectrogram \(bins)")
        precondition(initialActivations.rows == components && initialActivations.columns == frames, "U0 shape")

        let p = configuration.sparsity
        var energy = 0.0
        for x in spectrogram.values { energy += Double(x) * Double(x) }
        let lambda = configuration.lambda ?? ComplexNMFConfiguration.defaultLambda(energy: energy, bins: bins, sparsity: p)

        if let initialPhases {
            precondition(initialPhases.components == components && initialPhases.bins == bins && initialPhases.frames == frames, "P0 shape")
        }
        var activations = initialActivations
        for i in 0..<activations.values.count {
            activations.values[i] = max(activations.values[i], NumericalGuards.activationFloor)
        }
        let kernel = ComplexNMFKernel(basis: basis, lambda: lambda, sparsity: p, instructionSet: instructionSet)
        let threads = max(1, min(configuration.threadCount, frames))
        let rule = configuration.stopping
        let perFrame = 2 * components * bins

        // Frame t's initial phases in the per-component layout the general sweep works on: the
        // given ones (either layout), or the default start, the mixture phase, then the seeded
        // jitter keyed by the global frame (what PhaseTensor(mixturePhasesOf:) and
        // PhaseJitter.apply give). Written by the worker that runs the frame, just before it runs.
        let jitter = configuration.phaseJitter, seed = configuration.seed
        func writeInitialPhases(frame t: Int, into block: UnsafeMutableBufferPointer<Float>) {
            if let initialPhases {
                initialPhases.writeFrame(t, into: block)
                return
            }
            spectrogram.values.withUnsafeBufferPointer { y in
                ComplexNMFKernel.writeMixturePhases(spectrum: y.baseAddress.map { $0 + 2 * bins * t }, bins: bins, components: components, into: block)
            }
            if jitter > 0 {
                PhaseJitter.apply(toFrame: block, globalFrame: frameOffset + t, standardDeviation: jitter, seed: seed, stream: stream)
            }
        }
        /// The phases array: uninitialised storage of `perFrame` floats per frame whose frames
        /// `fill` must write (so that neither a start nor a copy of given phases costs a serial
        /// pass over them).
        func makePhases(perFrame: Int = perFrame, _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
            [Float](unsafeUninitializedCapacity: perFrame * frames) { buffer, count in
                ComplexNMFKernel.adviseHugePages(buffer)
                fill(buffer)
                count = perFrame * frames
            }
        }

        let run: ComplexNMFKernel.Run
        var phaseValues: [Float]
        // The default start (mixture phase, no jitter) never leaves the mixture phase: the exact
        // shortcut of `ComplexNMFKernel+SharedPhase` runs K² per iteration instead of ≈ K·F, and
        // the phases are kept once per bin and frame (the shared layout).
        let sharedPhase = initialPhases == nil && jitter == 0
        if sharedPhase && rule.costThreshold == nil && rule.relativeTolerance == nil {
            var frameMajor: ComplexNMFKernel.Run?
            phaseValues = makePhases(perFrame: 2 * bins) { phases in
                frameMajor = activations.values.withUnsafeMutableBufferPointer { u in
                    kernel.runSharedPhaseFrameMajor(spectrogram: spectrogram, activations: u, phases: phases,
                                                    iterations: rule.maximumIterations, threads: threads)
                }
            }
            run = frameMajor!
            try reportFrameMajorProgress(run, maximumIterations: rule.maximumIterations, progress: progress)
        } else if sharedPhase {
            phaseValues = makePhases(perFrame: 2 * bins) { _ in }
            run = try activations.values.withUnsafeMutableBufferPointer { u in
                try phaseValues.withUnsafeMutableBufferPointer { phases in
                    try kernel.runSharedPhaseInIterationOrder(spectrogram: spectrogram, activations: u, phases: phases, threads: threads) { costs in
                        try reportIteration(costs[costs.count - 1], iteration: costs.count, maximumIterations: rule.maximumIterations, progress: progress)
                        return !rule.shouldStop(costs: costs)
                    }
                }
            }
        } else if rule.costThreshold == nil && rule.relativeTolerance == nil {
            // A fixed number of iterations: frame-major, all iterations of a frame while its
            // phases stay in cache; each frame's initial phases are written just before it runs.
            var frameMajor: ComplexNMFKernel.Run?
            phaseValues = makePhases { phases in
                frameMajor = activations.values.withUnsafeMutableBufferPointer { u in
                    kernel.runFrameMajor(spectrogram: spectrogram, activations: u, phases: phases, start: .prepared(writeInitialPhases),
                                         iterations: rule.maximumIterations, threads: threads)
                }
            }
            run = frameMajor!
            try reportFrameMajorProgress(run, maximumIterations: rule.maximumIterations, progress: progress)
        } else {
            // A cost threshold or tolerance: the rule sees the cost summed over all frames after
            // each iteration; the frames run frame-major in blocks of growing length.
            phaseValues = makePhases { _ in }   // (written by the first block)
            run = try activations.values.withUnsafeMutableBufferPointer { u in
                try phaseValues.withUnsafeMutableBufferPointer { phases in
                    try kernel.runUntilStopped(spectrogram: spectrogram, activations: u, phases: phases, start: .prepared(writeInitialPhases),
                                               maximumIterations: rule.maximumIterations, threads: threads) { costs in
                        try reportIteration(costs[costs.count - 1], iteration: costs.count, maximumIterations: rule.maximumIterations, progress: progress)
                        return !rule.shouldStop(costs: costs)
                    }
                }
            }
        }
        // Activations at the floor are reported as 0 (the kernel did so, and recomputed the model
        // from exactly the reported activations, so the outputs agree with each other).
        for i in 0..<activations.values.count where activations.values[i] <= NumericalGuards.activationFloor {
            activations.values[i] = 0
        }
        let phases = sharedPhase ? PhaseTensor(components: components, bins: bins, frames: frames, sharedValues: phaseValues)
                                 : PhaseTensor(components: components, bins: bins, frames: frames, values: phaseValues)
        return ComplexNMFResult(activations: activations, phases: phases,
                                reconstruction: run.reconstruction, cost: run.cost, initialCost: run.initialCost,
                                frameCosts: run.frameCosts, lambda: lambda)
    }
}

/// Progress of a frame-major run, reported once all frames are done, iteration by iteration.
/// - Throws: `ComplexNMFError.numericalFailure` at the first iteration whose cost is not finite.
private func reportFrameMajorProgress(_ run: ComplexNMFKernel.Run, maximumIterations: Int, progress: ((IterationProgress) -> Void)?) throws {
    for (i, cost) in run.cost.enumerated() {
        try reportIteration(cost, iteration: i + 1, maximumIterations: maximumIterations, progress: progress)
    }
}

/// Reports the cost after `iteration` (counted from 1).
/// - Throws: `ComplexNMFError.numericalFailure` when it is not finite.
private func reportIteration(_ cost: Double, iteration: Int, maximumIterations: Int, progress: ((IterationProgress) -> Void)?) throws {
    guard cost.isFinite else {
        throw ComplexNMFError.numericalFailure(reason: "Complex NMF objective became \(cost) at iteration \(iteration)")
    }
    progress?(IterationProgress(iteration: iteration, maximumIterations: maximumIterations, cost: cost))
}

/// Seeded perturbation of phases: `P ← P · exp(jφ)`, `φ ~ N(0, σ²)` drawn from a generator
/// keyed by `(seed, stream, global frame)`, so the result does not depend on how frames are split.
/// The normals come in Box–Muller pairs from `SeededRandomGenerator`'s sequence (two uniforms
/// per pair of phases); see `cnmf_phase_jitter`, which computes them (with glibc's vector math
/// where the CPU has AVX-512).
enum PhaseJitter {
    static func apply(to phases: inout PhaseTensor, standardDeviation sigma: Double, seed: UInt64, frameOffset: Int, stream: UInt64,
                      instructionSet: ComplexNMFKernel.InstructionSet = .automatic) {
        let perFrame = 2 * phases.components * phases.bins, frames = phases.frames
        phases.values.withUnsafeMutableBufferPointer { values in
            for t in 0..<frames {
                apply(toFrame: UnsafeMutableBufferPointer(rebasing: values[(t * perFrame)..<((t + 1) * perFrame)]),
                      globalFrame: frameOffset + t, standardDeviation: sigma, seed: seed, stream: stream, instructionSet: instructionSet)
            }
        }
    }

    /// The perturbation of one frame's `2·K·F` phases (global frame index `globalFrame`).
    static func apply(toFrame phases: UnsafeMutableBufferPointer<Float>, globalFrame: Int, standardDeviation sigma: Double, seed: UInt64, stream: UInt64,
                      instructionSet: ComplexNMFKernel.InstructionSet = .automatic) {
        let key = ActivationInitializer.frameKey(seed: seed, stream: stream, frame: globalFrame, purpose: 2)
        cnmf_phase_jitter(phases.baseAddress, phases.count / 2, key, sigma, instructionSet.isa)
    }
}
