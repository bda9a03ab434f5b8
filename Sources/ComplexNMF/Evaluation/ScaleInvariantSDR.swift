import Foundation

/// Scale-invariant signal-to-distortion ratio (SI-SDR; Le Roux, Wisdom, Erdogan & Hershey,
/// "SDR – half-baked or well done?", ICASSP 2019), in dB:
///
///     α = ⟨ŝ, s⟩ / ‖s‖²,   SI-SDR = 10 log10(‖α s‖² / ‖α s − ŝ‖²)
///
/// for reference `s` and estimate `ŝ`. Multiplying `ŝ` by any non-zero factor leaves it
/// unchanged. Unlike BSS Eval's SDR, no filtering of the reference is allowed: a delay or an
/// equaliser counts as distortion.
///
/// Mean removal: by default the signals are used as they are (`removeMean: false`), the
/// convention of the formula above, of torchmetrics (`zero_mean=False`) and of MATLAB's "SI-SDR";
/// with `removeMean: true` both signals are made zero-mean first (asteroid's `zero_mean=True`,
/// MATLAB's `sisnr`), which makes the value also blind to DC offsets.
///
/// Everything is accumulated in `Double`. Cost: three passes over the samples.
public enum ScaleInvariantSDR {
    /// SI-SDR of `estimate` against `reference`, in dB.
    ///
    /// - Parameters:
    ///   - reference: the true source, `[samples]`.
    ///   - estimate: the estimate, `[samples]`, as long as `reference`.
    ///   - removeMean: subtract each signal's mean first (default `false`, see the type's doc).
    /// - Returns: the ratio in dB; `+infinity` when `estimate` is an exact multiple of
    ///   `reference`; `-infinity` when it is non-zero and orthogonal to it; `nil` when undefined:
    ///   a silent reference (α has no meaning) or a silent estimate (0/0).
    /// - Throws: `ComplexNMFError.shapeMismatch` naming both lengths when they differ,
    ///   `.invalidParameter` for non-finite samples.
    public static func evaluate(reference: [Float], estimate: [Float], removeMean: Bool = false) throws -> Double? {
        if estimate.count != reference.count {
            throw ComplexNMFError.shapeMismatch(
                what: "estimate length in samples", expected: "\(reference.count) (the length of the reference)",
                actual: "\(estimate.count)", hint: "trim or zero-pad the estimate to the reference length")
        }
        for (role, signal) in [("reference", reference), ("estimate", estimate)] {
            if let bad = signal.firstIndex(where: { !$0.isFinite }) {
                throw ComplexNMFError.invalidParameter(
                    name: role, value: "\(signal[bad]) at sample \(bad)", expectation: "finite samples")
            }
        }
        return decibels(reference: reference, estimate: estimate, removeMean: removeMean)
    }

    /// The value of `evaluate` for inputs already validated (same length, finite).
    static func decibels(reference: [Float], estimate: [Float], removeMean: Bool) -> Double? {
        let count = reference.count
        guard count > 0 else { return nil }
        var referenceMean = 0.0, estimateMean = 0.0
        if removeMean {
            for n in 0..<count {
                referenceMean += Double(reference[n])
                estimateMean += Double(estimate[n])
            }
            referenceMean /= Double(count)
            estimateMean /= Double(count)
        }
        var referenceEnergy = 0.0, crossProduct = 0.0, estimateEnergy = 0.0
        for n in 0..<count {
            let s = Double(reference[n]) - referenceMean, x = Double(estimate[n]) - estimateMean
            referenceEnergy += s * s
            crossProduct += s * x
            estimateEnergy += x * x
        }
        guard referenceEnergy > 0, estimateEnergy > 0 else { return nil }
        let alpha = crossProduct / referenceEnergy
        // ‖α s − ŝ‖² summed sample by sample: ‖ŝ‖² − α²‖s‖² would cancel for good estimates.
        var noiseEnergy = 0.0
        for n in 0..<count {
            let d = alpha * (Double(reference[n]) - referenceMean) - (Double(estimate[n]) - estimateMean)
            noiseEnergy += d * d
        }
        let targetEnergy = alpha * alpha * referenceEnergy
        if noiseEnergy == 0 { return .infinity }
        return 10 * log10(targetEnergy / noiseEnergy)
    }
}
