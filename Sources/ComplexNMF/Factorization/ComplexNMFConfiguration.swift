/// Settings of `ComplexNMF`. Defaults are those of the predecessor and of Kameoka et al. (2009).
public struct ComplexNMFConfiguration: Sendable, Hashable, Codable {
    /// Sparsity exponent `p` of the penalty `2λ Σ U^p`, in (0, 2). Default 1.2.
    public var sparsity: Double = 1.2
    /// Penalty weight `λ`, ≥ 0. Default `nil`: the predecessor's rule
    /// `λ = 1e-5 · Σ|Y|² / F^(1 − p/2)` (F = number of bins), see `defaultLambda`.
    public var lambda: Double? = nil
    /// Standard deviation in radians of a seeded random perturbation of the initial phases.
    /// Default 0: every component starts at the mixture phase `Y/|Y|`, a state the exact
    /// update never leaves (the iteration is then sparse magnitude NMF with the mixture phase);
    /// a positive value lets the phases move apart reproducibly.
    public var phaseJitter: Double = 0
    /// Seed of the phase perturbation. Default 0.
    public var seed: UInt64 = 0
    /// When to stop. Default: 100 iterations.
    public var stopping = StoppingRule()
    /// Worker threads (frames are split between them). Default: all cores. Results do not
    /// depend on it.
    public var threadCount: Int = availableCoreCount

    /// The defaults.
    public init() {}

    /// The predecessor's penalty weight for a spectrogram with `bins` bins and total energy
    /// `energy = Σ|Y|²`: `1e-5 · energy / bins^(1 − p/2)`.
    public static func defaultLambda(energy: Double, bins: Int, sparsity: Double) -> Double {
        1e-5 * energy / pow(Double(bins), 1 - sparsity / 2)
    }

    /// Checks `p ∈ (0, 2)`, `λ ≥ 0` finite, jitter ≥ 0 finite, and the stopping rule.
    public func validate() throws {
        guard sparsity > 0, sparsity < 2 else {
            throw ComplexNMFError.invalidParameter(name: "--sparsity-p", value: "\(sparsity)", expectation: "must be in the open interval (0, 2); 1.2 is the default, 1 gives an L1 penalty")
        }
        if let lambda, !(lambda.isFinite && lambda >= 0) {
            throw ComplexNMFError.invalidParameter(name: "--lambda", value: "\(lambda)", expectation: "must be a finite value ≥ 0 (0 disables the sparsity penalty)")
        }
        guard phaseJitter.isFinite, phaseJitter >= 0 else {
            throw ComplexNMFError.invalidParameter(name: "--phase-jitter", value: "\(phaseJitter)", expectation: "must be a finite angle ≥ 0 in radians")
        }
        try stopping.validate()
    }
}

import Foundation
