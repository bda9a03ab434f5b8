/// Checks of a fixed basis `H` `[bins × components]` against a spectrogram.
public enum BasisValidation {
    /// Validates values and the bin count.
    /// - Returns: warnings for legal but suspicious content (all-zero columns).
    /// - Throws: `ComplexNMFError` for NaN/Inf/negative entries or a bin count that differs from
    ///   the spectrogram's (naming both numbers and the n_fft each implies).
    @discardableResult
    public static func validate(_ basis: RealMatrix, path: String, spectrogramBins: Int, spectrogramPath: String) throws -> [String] {
        guard basis.rows == spectrogramBins else {
            throw ComplexNMFError.shapeMismatch(
                what: "basis '\(path)' bins", expected: "\(spectrogramBins) (the bins of '\(spectrogramPath)')", actual: "\(basis.rows)",
                hint: "the basis was probably learned with n_fft \(2 * (basis.rows - 1)) and the spectrogram computed with n_fft \(2 * (spectrogramBins - 1)); use the same n_fft for both")
        }
        guard basis.columns >= 1 else {
            throw ComplexNMFError.invalidContent(path: path, reason: "the basis has no columns (shape [\(basis.rows) × 0])")
        }
        if let bad = basis.values.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ComplexNMFError.invalidContent(path: path, reason: "basis entry [bin \(bad % basis.rows), component \(bad / basis.rows)] is \(basis.values[bad]); a basis must be finite and ≥ 0 (use np.abs or a magnitude spectrogram)")
        }
        var warnings: [String] = []
        for k in 0..<basis.columns where basis.column(k).allSatisfy({ $0 == 0 }) {
            warnings.append("basis '\(path)' column \(k) is all zeros; its activations will be 0")
        }
        return warnings
    }
}
