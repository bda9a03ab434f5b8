import Foundation

/// The divergence between magnitudes `V` and the model `Λ = H U` that NMF minimises.
public enum Divergence: String, Sendable, Hashable, Codable, CaseIterable {
    /// Squared Euclidean distance, cost `½‖V − HU‖²` (the predecessor's NMF).
    case euclidean = "euclid"
    /// Generalised Kullback–Leibler, cost `Σ V log(V/Λ) − V + Λ` (β = 1).
    case kullbackLeibler = "kl"
    /// Itakura–Saito, cost `Σ V/Λ − log(V/Λ) − 1` (β = 0).
    case itakuraSaito = "is"
    /// β-divergence with β = ½, cost `Σ 2√Λ + 2V/√Λ − 4√V`: between KL and Itakura–Saito; on
    /// power spectrograms it measured best for separation (README, "Separation quality").
    case betaHalf = "beta0.5"

    /// The β of the β-divergence family (2 Euclidean, 1 KL, ½, 0 Itakura–Saito).
    public var beta: Double {
        switch self {
        case .euclidean: 2
        case .kullbackLeibler: 1
        case .betaHalf: 0.5
        case .itakuraSaito: 0
        }
    }

    /// The cost's name for plots and reports.
    public var costName: String {
        switch self {
        case .euclidean: "½‖V − HU‖²"
        case .kullbackLeibler: "KL divergence"
        case .itakuraSaito: "Itakura–Saito divergence"
        case .betaHalf: "β-divergence (β = ½)"
        }
    }
}

/// Settings of `NMF`.
public struct NMFConfiguration: Sendable, Hashable, Codable {
    /// The divergence to minimise. Default `.euclidean` (the predecessor's).
    public var divergence: Divergence = .euclidean
    /// When to stop. Default: 100 iterations.
    public var stopping = StoppingRule()
    /// Worker threads (frames are split between them). Default: all cores. Results do not
    /// depend on it.
    public var threadCount: Int = availableCoreCount

    /// The defaults.
    public init() {}
}

/// The result of `NMF.decompose`.
public struct NMFResult: Sendable {
    /// Activations `U` `[components × frames]`.
    public var activations: RealMatrix
    /// Cost after each iteration run (length = `iterations`).
    public var cost: [Double]
    /// Cost of the initial activations.
    public var initialCost: Double
    /// Each frame's share of the cost after each iteration, `[iterations × frames]`
    /// (iteration-major): `cost[i]` is the sum of row i in frame order.
    public var frameCosts: [Double]
    /// Iterations run.
    public var iterations: Int { cost.count }
}

/// Magnitude NMF with a fixed basis: only the activations `U` are updated, with the
/// multiplicative updates of the chosen divergence (`ε` = `NumericalGuards.epsilon`):
///
///     euclid: U ← U ⊙ (HᵀV) / (HᵀH U + ε)                 (HᵀV and HᵀH computed once)
///     kl:     U ← U ⊙ Hᵀ(V / (Λ+ε)) / (Hᵀ1 + ε)            Λ = H U
///     is:     U ← U ⊙ Hᵀ(V (Λ+ε)⁻²) / (Hᵀ(Λ+ε)⁻¹ + ε)
///     β = ½:  U ← U ⊙ Hᵀ(V (Λ+ε)^−1.5) / (Hᵀ(Λ+ε)^−0.5 + ε)
///
/// The basis is never modified. Frames are independent given `H`, so they are split over
/// threads; every sum has a fixed order, so results do not depend on the thread count or on
/// how the frames are split into blocks. Euclidean arithmetic is in Double; the β-divergences
/// run in `BetaNMFKernel` (model and sums over bins in Float, updates and costs in Double).
public struct NMF: Sendable {
    /// The settings.
    public var configuration: NMFConfiguration

    /// An NMF with the given settings.
    public init(configuration: NMFConfiguration = NMFConfiguration()) {
        self.configuration = configuration
    }

    /// Decomposes `magnitudes` `V` `[bins × frames]` ≈ `basis` `H` `[bins × K]` · `U` `[K × frames]`.
    ///
    /// Euclidean runs on `HᵀH` and `HᵀV` (Double); KL, β = ½ and Itakura–Saito run in the C
    /// kernel `BetaNMFKernel` (≈ 3·K·F multiply-adds per frame and iteration, AVX-512 where the
    /// CPU has it): with only `maximumIterations` in the stopping rule, groups of frames run all
    /// their iterations at once (and `progress` is called when all frames are done); with a cost
    /// threshold or tolerance, every iteration runs over all frames before the rule looks at the
    /// total cost. Both give bit-identical results for the same number of iterations.
    /// - Parameters:
    ///   - initialActivations: `U0` `[K × frames]`, finite and ≥ 0.
    ///   - progress: called after each iteration, in order.
    /// - Throws: `ComplexNMFError.numericalFailure` if the cost stops being finite.
    public func decompose(magnitudes: RealMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          progress: ((IterationProgress) -> Void)? = nil) throws -> NMFResult {
        try configuration.stopping.validate()
        precondition(magnitudes.rows == basis.rows, "bins differ")
        precondition(initialActivations.rows == basis.columns && initialActivations.columns == magnitudes.columns, "U0 shape")
        let threads = max(1, min(configuration.threadCount, magnitudes.columns))
        guard configuration.divergence == .euclidean else {
            let kernel = BetaNMFKernel(basis: basis, divergence: configuration.divergence)
            return try kernel.decompose(magnitudes: magnitudes, initialActivations: initialActivations,
                                        stopping: configuration.stopping, threads: threads, progress: progress)
        }
        let problem = NMFProblem(v: magnitudes, h: basis, threads: threads)
        return try Self.iterate(initialActivations: initialActivations, stopping: configuration.stopping, progress: progress, pass: problem.pass)
    }

    /// The iteration loop around a fused pass `pass(U) = (cost of U summed in frame order, each
    /// frame's cost, updated U)` over `[K × frames]` Double activations: `initialCost` is the cost
    /// of `U0`, `cost[i]` that of the iterate after i + 1 updates, which is the one returned.
    static func iterate(initialActivations: RealMatrix, stopping rule: StoppingRule, progress: ((IterationProgress) -> Void)?,
                        pass: ([Double]) -> (cost: Double, frameCosts: [Double], updated: [Double])) throws -> NMFResult {
        var u = initialActivations.values.map(Double.init)
        let (initialCost, _, first) = pass(u)
        var next = first
        var costs: [Double] = []
        var frameCosts: [Double] = []
        while true {
            let current = next
            let (cost, perFrame, following) = pass(current)
            guard cost.isFinite else {
                throw ComplexNMFError.numericalFailure(reason: "NMF cost became \(cost) at iteration \(costs.count + 1)")
            }
            u = current
            next = following
            costs.append(cost)
            frameCosts += perFrame
            progress?(IterationProgress(iteration: costs.count, maximumIterations: rule.maximumIterations, cost: cost))
            if rule.shouldStop(costs: costs) { break }
        }
        let activations = RealMatrix(rows: initialActivations.rows, columns: initialActivations.columns, values: u.map(Float.init))
        return NMFResult(activations: activations, cost: costs, initialCost: initialCost, frameCosts: frameCosts)
    }
}

/// The precomputed quantities of one Euclidean NMF problem and its fused pass (the β-divergences
/// run in `BetaNMFKernel`; their former Swift pass is `NMFReferencePass`).
struct NMFProblem {
    let bins: Int, components: Int, frames: Int
    let threads: Int
    /// `H` row-major `[bins][components]` in Double (a bin's components contiguous).
    let hRows: [Double]
    /// `V` column-major `[bins × frames]` in Double.
    let v: [Double]
    /// `HᵀV` `[K × frames]`, `HᵀH` `[K × K]`, `‖V‖²` per frame.
    let htv: [Double], hth: [Double], vNorms: [Double]

    init(v: RealMatrix, h: RealMatrix, threads: Int) {
        bins = v.rows; components = h.columns; frames = v.columns
        self.threads = max(1, min(threads, frames))
        var rows = [Double](repeating: 0, count: bins * components)
        for k in 0..<components { for f in 0..<bins { rows[f * components + k] = Double(h[f, k]) } }
        hRows = rows
        self.v = v.values.map(Double.init)
        do {
            let (bins, components, frames) = (bins, components, frames)
            var gram = [Double](repeating: 0, count: components * components)
            for f in 0..<bins {
                for a in 0..<components {
                    let ha = rows[f * components + a]
                    if ha == 0 { continue }
                    for b in 0..<components { gram[a * components + b] += ha * rows[f * components + b] }
                }
            }
            hth = gram
            var projected = [Double](repeating: 0, count: components * frames)
            var norms = [Double](repeating: 0, count: frames)
            let values = self.v
            let workers = self.threads
            projected.withUnsafeMutableBufferPointer { out in
                norms.withUnsafeMutableBufferPointer { normsOut in
                    let chunk = (frames + workers - 1) / workers
                    runWorkers(workers) { worker in
                        for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                            var norm = 0.0
                            for f in 0..<bins {
                                let x = values[t * bins + f]
                                norm += x * x
                                if x == 0 { continue }
                                for k in 0..<components { out[t * components + k] += rows[f * components + k] * x }
                            }
                            normsOut[t] = norm
                        }
                    }
                }
            }
            htv = projected
            vNorms = norms
        }
    }

    /// The cost `½‖v − Hu‖²` of `u` `[K × frames]` per frame and the multiplicatively updated
    /// activations, in one pass over the frames.
    func pass(_ u: [Double]) -> (cost: Double, frameCosts: [Double], updated: [Double]) {
        let eps = NumericalGuards.epsilon
        var updated = [Double](repeating: 0, count: u.count)
        var frameCosts = [Double](repeating: 0, count: frames)
        let chunk = (frames + threads - 1) / threads
        let (components, frames) = (components, frames)
        updated.withUnsafeMutableBufferPointer { out in
            frameCosts.withUnsafeMutableBufferPointer { costs in
                runWorkers(threads) { worker in
                    for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                        let ut = t * components
                        // ½‖v − Hu‖² = ½(‖v‖² − 2 uᵀHᵀv + uᵀHᵀH u), with HᵀH u the update's denominator.
                        var cross = 0.0, quadratic = 0.0
                        for a in 0..<components {
                            var gu = 0.0
                            for b in 0..<components { gu += hth[a * components + b] * u[ut + b] }
                            cross += u[ut + a] * htv[ut + a]
                            quadratic += u[ut + a] * gu
                            out[ut + a] = u[ut + a] * htv[ut + a] / (gu + eps)
                        }
                        costs[t] = 0.5 * max(0, vNorms[t] - 2 * cross + quadratic)
                    }
                }
            }
        }
        // Frame costs summed in frame order: independent of the thread split.
        return (frameCosts.reduce(0, +), frameCosts, updated)
    }
}
