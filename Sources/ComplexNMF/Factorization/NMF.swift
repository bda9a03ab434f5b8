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
/// how the frames are split into blocks. All divergences run in the C kernel `BetaNMFKernel`:
/// Euclidean with `HᵀV`, `‖V‖²` (Double) and `HᵀH` once, `HᵀH U` and the updates in Float and
/// costs in Double; the β-divergences with the model and the sums over bins in Float, updates and
/// costs in Double. (The former Swift passes are `NMFReferencePass`, the tests' reference.)
public struct NMF: Sendable {
    /// The settings.
    public var configuration: NMFConfiguration

    /// An NMF with the given settings.
    public init(configuration: NMFConfiguration = NMFConfiguration()) {
        self.configuration = configuration
    }

    /// Decomposes `magnitudes` `V` `[bins × frames]` ≈ `basis` `H` `[bins × K]` · `U` `[K × frames]`.
    ///
    /// Runs in the C kernel `BetaNMFKernel` (AVX-512 where the CPU has it): Euclidean costs K·F
    /// multiply-adds per frame once (HᵀV) and K² per frame and iteration (HᵀH U); KL, β = ½ and
    /// Itakura–Saito ≈ 3·K·F per frame and iteration. With only `maximumIterations` in the
    /// stopping rule, groups of frames run all their iterations at once (and `progress` is called
    /// when all frames are done); with a cost threshold or tolerance, every iteration runs over
    /// all frames before the rule looks at the total cost. Both give bit-identical results for
    /// the same number of iterations.
    /// - Parameters:
    ///   - initialActivations: `U0` `[K × frames]`, finite and ≥ 0.
    ///   - progress: called after each iteration, in order.
    /// - Throws: `ComplexNMFError.numericalFailure` if the cost stops being finite.
    public func decompose(magnitudes: RealMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          progress: ((IterationProgress) -> Void)? = nil) throws -> NMFResult {
        try decompose(magnitudes: magnitudes, basis: basis, initialActivations: initialActivations,
                      kernel: BetaNMFKernel(basis: basis, divergence: configuration.divergence), progress: progress)
    }

    /// `decompose(magnitudes:basis:initialActivations:progress:)` on a given kernel of `basis`.
    func decompose(magnitudes: RealMatrix, basis: RealMatrix, initialActivations: RealMatrix, kernel: BetaNMFKernel,
                   progress: ((IterationProgress) -> Void)?) throws -> NMFResult {
        try configuration.stopping.validate()
        precondition(magnitudes.rows == basis.rows, "bins differ")
        precondition(initialActivations.rows == basis.columns && initialActivations.columns == magnitudes.columns, "U0 shape")
        let threads = max(1, min(configuration.threadCount, magnitudes.columns))
        return try kernel.decompose(magnitudes: magnitudes, initialActivations: initialActivations,
                                    stopping: configuration.stopping, threads: threads, progress: progress)
    }
}
