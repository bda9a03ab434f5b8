import Foundation

/// Tick positions for plot axes: "nice" linear steps (1, 2 or 5 × 10ᵏ) and decades for
/// logarithmic axes. Pure functions of the data range, so they are unit-tested directly.
enum AxisTicks {
    /// The most ticks an axis ever gets (a guard against absurd ranges, not a layout choice).
    static let tickLimit = 100

    /// The smallest step of the form 1, 2 or 5 × 10ᵏ that covers `span` in at most
    /// `maximumIntervals` intervals. `span` must be finite and positive.
    static func niceStep(span: Double, maximumIntervals: Int) -> Double {
        niceStep(atLeast: span / Double(max(1, maximumIntervals)))
    }

    /// The smallest number of the form 1, 2 or 5 × 10ᵏ that is ≥ `minimum` (finite, positive);
    /// +∞ when that would exceed the largest Double.
    static func niceStep(atLeast minimum: Double) -> Double {
        var exponent = floor(log10(minimum))
        while true {
            let decade = pow(10, exponent)
            for mantissa in [1.0, 2.0, 5.0] where mantissa * decade >= minimum * (1 - 1e-12) {
                return mantissa * decade
            }
            exponent += 1
        }
    }

    /// Widens an empty or degenerate range (one point, constant data) so it can carry ticks:
    /// `v…v` becomes `v ± 10 % of |v|`, and `0…0` becomes `−1…1`. Ranges of non-zero width
    /// relative to their magnitude are returned unchanged.
    static func widened(_ lower: Double, _ upper: Double) -> (lower: Double, upper: Double) {
        let magnitude = max(abs(lower), abs(upper))
        guard upper - lower <= magnitude * 1e-9 else { return (lower, upper) }
        let centre = lower / 2 + upper / 2
        if centre == 0 { return (-1, 1) }
        return (centre - abs(centre) / 10, centre + abs(centre) / 10)
    }

    /// Nice ticks whose first is ≤ `lower` and last is ≥ `upper` (so the axis can end on a tick).
    ///
    /// Example: `0…97` → `[0, 20, 40, 60, 80, 100]`. Degenerate ranges are widened first
    /// (`widened`); non-finite bounds give `[]`. At most `maximumIntervals + 1` ticks (plus one
    /// when the range straddles two steps unluckily). `minimumStep` (e.g. 1 for iteration
    /// numbers) keeps the step from becoming finer than the data's resolution.
    static func linear(covering lower: Double, _ upper: Double, maximumIntervals: Int = 6,
                       minimumStep: Double = 0) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        let (low, high) = widened(min(lower, upper), max(lower, upper))
        // `high − low` may overflow for ±1e308; halve before subtracting.
        let halfSpan = high / 2 - low / 2
        let step = max(niceStep(atLeast: halfSpan / Double(max(1, maximumIntervals)) * 2), minimumStep)
        let first = floor(low / step), last = ceil(high / step)
        guard step.isFinite, first.isFinite, last.isFinite, last - first <= Double(tickLimit) else { return [] }
        return stride(from: first, through: last, by: 1).compactMap { index in
            let value = index * step
            return value.isFinite ? (value == 0 ? 0 : value) : nil
        }
    }

    /// The ticks of `linear(covering:)` that lie within `lower…upper` (for axes whose ends are
    /// fixed by the data, like the time axis of a spectrogram).
    static func linear(within lower: Double, _ upper: Double, maximumIntervals: Int = 6) -> [Double] {
        let tolerance = (upper - lower) * 1e-9
        return linear(covering: lower, upper, maximumIntervals: maximumIntervals)
            .filter { $0 >= lower - tolerance && $0 <= upper + tolerance }
    }

    /// Decade exponents `k` (ticks at 10ᵏ) covering the positive range `lower…upper`: from
    /// ⌊log₁₀ lower⌋ to ⌈log₁₀ upper⌉, at least two decades, taking every n-th decade when
    /// there would be more than `maximumTicks`.
    ///
    /// Example: `3…45 000` → `[0, 1, 2, 3, 4, 5]` (1, 10, …, 100 000). Non-positive or non-finite
    /// bounds give `[]`.
    static func decades(covering lower: Double, _ upper: Double, maximumTicks: Int = 8) -> [Int] {
        guard lower > 0, upper > 0, lower.isFinite, upper.isFinite else { return [] }
        var first = Int(floor(log10(min(lower, upper))))
        var last = Int(ceil(log10(max(lower, upper))))
        if first == last { first -= 1; last += 1 }
        // Keep 10ᵏ a finite, normal Double.
        first = max(first, -307)
        last = min(max(last, first + 1), 308)
        let every = max(1, Int((Double(last - first) / Double(max(1, maximumTicks - 1))).rounded(.up)))
        first = Int(floor(Double(first) / Double(every))) * every
        last = Int(ceil(Double(last) / Double(every))) * every
        return Array(stride(from: first, through: last, by: every))
    }

    /// The minor ticks 2·10ᵏ … 9·10ᵏ between consecutive decades (only when the decades are
    /// consecutive; with wider steps minor ticks would be clutter).
    static func decadeMinorTicks(_ exponents: [Int]) -> [Double] {
        guard exponents.count >= 2, exponents[1] - exponents[0] == 1, exponents.count <= 9 else { return [] }
        return exponents.dropLast().flatMap { k in (2...9).map { Double($0) * pow(10, Double(k)) } }
    }
}
