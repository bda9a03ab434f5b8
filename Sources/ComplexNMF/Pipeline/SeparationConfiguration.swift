/// The decomposition `SeparationPipeline` runs.
public enum SeparationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Complex NMF (Kameoka et al. 2009) with the fixed basis; components with estimated phases.
    case complexNMF = "complex-nmf"
    /// Magnitude NMF with the fixed basis; soft-mask components with the mixture phase.
    case nmf
}

/// What magnitude NMF fits: `|Y|` with the templates as they are, or the power `|Y|²` with
/// squared templates (each column renormalised to unit sum), whose soft masks are then
/// Wiener-like power ratios.
public enum SpectrumKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Fit `|Y| ≈ H U`; masks `H_k U_k / Σ H U`.
    case magnitude
    /// Fit `|Y|² ≈ H² U`; masks `H²_k U_k / Σ H² U` (Wiener filtering with an NMF power model).
    case power
}

/// Settings of a separation. Every default is documented in README ("separate").
public struct SeparationConfiguration: Sendable, Hashable, Codable {
    /// Decomposition. Default `.nmf` (β = ½ on the power spectrogram with Wiener masks), the
    /// best measured on the fixtures (README, "Separation quality"); `.complexNMF` is the
    /// phase-aware alternative.
    public var method: SeparationMethod = .nmf
    /// Kind of component signals for Complex NMF (`.model` or `.consistent`; NMF always uses
    /// `.mask`). Default `.consistent` (measured better than `.model` by 4–7 dB SDR, README).
    public var componentSignal: ComponentSignal = .consistent
    /// Iterations per frame. Default 100.
    public var iterations = 100
    /// Complex NMF sparsity exponent `p` ∈ (0, 2). Default 1.2.
    public var sparsity = 1.2
    /// Complex NMF penalty weight λ; `nil` = the predecessor's rule over the whole input
    /// (`1e-5 · Σ|Y|² / bins^(1 − p/2)`, per channel). Default `nil`.
    public var lambda: Double? = nil
    /// Complex NMF initial phase perturbation in radians (seeded). Default 0.
    public var phaseJitter = 0.0
    /// Divergence of magnitude NMF (NMF only). Default `.betaHalf` (β = ½).
    public var divergence: Divergence = .betaHalf
    /// What magnitude NMF fits, `.magnitude` |Y| or `.power` |Y|² (NMF only). Default `.power`.
    public var spectrum: SpectrumKind = .power
    /// Seed of the initial activations and the phase perturbation. Default 0.
    public var seed: UInt64 = 0
    /// Frames decomposed together; bounds memory (≈ 8·K·bins bytes per frame for the phases).
    /// Results do not depend on it. Default 64.
    public var blockFrames = 64
    /// Worker threads. Results do not depend on it. Default: all cores.
    public var threadCount = availableCoreCount
    /// Consistent Wiener filtering of NMF's Wiener outputs (NMF only; Complex NMF ignores it).
    /// Default: on (`ConsistentWienerConfiguration`'s defaults), measured +0.4…+1.6 dB SDR over
    /// plain Wiener outputs on 11 cases (README, "Separation quality"); `iterations = 0` is off.
    public var consistency = ConsistentWienerConfiguration()
    /// Downmix multichannel input to mono before separating. Default false (each channel is
    /// separated with the same basis and outputs keep the channel count).
    public var mono = false

    /// The defaults.
    public init() {}

    /// Consistent Wiener iterations actually run: `consistency.iterations` for NMF, 0 for Complex NMF.
    public var effectiveConsistencyIterations: Int { method == .nmf ? consistency.iterations : 0 }

    /// The component signal actually used: `.mask` for NMF.
    public var effectiveComponentSignal: ComponentSignal { method == .nmf ? .mask : componentSignal }

    /// Checks every setting, naming the CLI flag of a bad one.
    public func validate() throws {
        guard iterations >= 1 else {
            throw ComplexNMFError.invalidParameter(name: "--iterations", value: "\(iterations)", expectation: "must be at least 1")
        }
        guard blockFrames >= 1 else {
            throw ComplexNMFError.invalidParameter(name: "--block-frames", value: "\(blockFrames)", expectation: "must be at least 1")
        }
        guard threadCount >= 1 else {
            throw ComplexNMFError.invalidParameter(name: "--threads", value: "\(threadCount)", expectation: "must be at least 1")
        }
        if method == .nmf && componentSignal == .model {
            throw ComplexNMFError.invalidParameter(name: "--components", value: "model", expectation: "NMF has no phases; its components are soft masks (use --components mask or --method complex-nmf)")
        }
        try consistency.validate()
        var complex = ComplexNMFConfiguration()
        complex.sparsity = sparsity
        complex.lambda = lambda
        complex.phaseJitter = phaseJitter
        try complex.validate()
    }
}
