import Foundation

/// Analysis/synthesis windows. Both are the periodic ("DFT-even") forms that
/// `scipy.signal.get_window(..., fftbins=True)` and librosa use.
public enum WindowFunction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Periodic Hann: `w[n] = 0.5 − 0.5·cos(2πn/N)`.
    case hann
    /// Periodic Hamming: `w[n] = 0.54 − 0.46·cos(2πn/N)`.
    case hamming

    /// The window of `length` samples (computed in Double, rounded to Float).
    public func values(length: Int) -> [Float] {
        let (a, b): (Double, Double) = self == .hann ? (0.5, 0.5) : (0.54, 0.46)
        return (0..<length).map { n in Float(a - b * cos(2 * Double.pi * Double(n) / Double(length))) }
    }
}
