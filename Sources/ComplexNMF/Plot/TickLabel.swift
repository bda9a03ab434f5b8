import Foundation

/// The text of one tick label: `text`, optionally followed by a superscript `exponent`
/// (so a decade tick reads 10³ rather than "1e3").
struct TickLabel: Equatable {
    /// The main text ("0.5", "1.5e-7", or "10" of a power of ten).
    var text: String
    /// A superscript drawn after `text`, or nil.
    var exponent: String? = nil

    /// The plain-text spelling, e.g. "10^3" (for tests and debugging).
    var plain: String { exponent.map { "\(text)^\($0)" } ?? text }

    /// Labels for linear ticks spaced `step` apart, formatted alike so they read as one scale:
    /// fixed-point with the decimals the step needs ("0.0", "0.5", "1.0"; "0", "12000") when the
    /// largest magnitude is in 10⁻³ … 10⁵, otherwise compact scientific ("1.5e-7", "2e5",
    /// zero as "0"), trailing zeros of the mantissa dropped.
    static func linear(_ ticks: [Double], step: Double) -> [TickLabel] {
        let largest = ticks.map(abs).max() ?? 0
        let stepExponent = Self.lastDigitExponent(of: step)
        let scientific = largest >= 1e5 || (largest > 0 && largest < 1e-3)
        return ticks.map { value in
            if scientific {
                return TickLabel(text: value == 0 ? "0" : scientificText(value, stepExponent: stepExponent))
            }
            // `+ 0` turns −0 into 0, so no "−0.0" appears.
            return TickLabel(text: String(format: "%.\(max(0, -stepExponent))f", value + 0))
        }
    }

    /// The exponent of the last significant digit of `step`: −1 for 0.5, 3 for 2000, −2 for
    /// 0.25 (0 for steps that are not finite and positive).
    static func lastDigitExponent(of step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var exponent = Int(floor(log10(step) + 1e-9))
        for _ in 0..<3 {
            let mantissa = step / pow(10, Double(exponent))
            if abs(mantissa - mantissa.rounded()) <= 1e-6 * mantissa { break }
            exponent -= 1
        }
        return exponent
    }

    /// Labels 10ᵏ for decade exponents `k` (e.g. 10⁻³, 10⁰, 10⁴).
    static func decades(_ exponents: [Int]) -> [TickLabel] {
        exponents.map { TickLabel(text: "10", exponent: String($0)) }
    }

    /// `value` as "m.mmme±x" with as many mantissa digits as a step of 10^`stepExponent` needs,
    /// trailing zeros and "+" dropped: 1.5e-07 → "1.5e-7", 12000 → "1.2e4".
    static func scientificText(_ value: Double, stepExponent: Int) -> String {
        let exponent = Int(floor(log10(abs(value)) + 1e-9))
        let decimals = min(12, max(0, exponent - stepExponent))
        var mantissa = String(format: "%.\(decimals)f", value / pow(10, Double(exponent)))
        // Rounding may give "10.0": renormalise.
        var shownExponent = exponent
        if let m = Double(mantissa), abs(m) >= 10 {
            shownExponent += 1
            mantissa = String(format: "%.\(max(0, decimals - 1))f", m / 10)
        }
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        return "\(mantissa)e\(shownExponent)"
    }
}
