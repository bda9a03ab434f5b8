import Foundation

/// One axis of a plot: its data range, scale, ticks with labels and title. Maps data values
/// to a fraction 0…1 of the axis length (0 at `lower`).
struct Axis {
    /// How data values map to positions.
    enum Scale { case linear, logarithmic }

    /// A labelled tick at `value` (data units).
    struct Tick {
        var value: Double
        var label: TickLabel
    }

    var scale: Scale
    /// The data value at the start of the axis (left or bottom); positive on a log axis.
    var lower: Double
    /// The data value at the end of the axis (right or top).
    var upper: Double
    /// Labelled ticks inside `lower…upper`.
    var ticks: [Tick]
    /// Unlabelled minor ticks (log axes: 2·10ᵏ … 9·10ᵏ).
    var minorTicks: [Double] = []
    /// The axis title ("iteration", "time (s)").
    var title: String

    /// The position of `value` as a fraction of the axis (outside 0…1 when out of range;
    /// NaN for non-positive values on a log axis).
    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear:
            // Halved so that spans near ±Double.greatestFiniteMagnitude do not overflow.
            return (value / 2 - lower / 2) / (upper / 2 - lower / 2)
        case .logarithmic:
            guard value > 0 else { return .nan }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    /// A linear axis ending on nice ticks that cover `dataLower…dataUpper` (e.g. 0…97 → 0…100);
    /// with `integerSteps` the tick step is at least 1 (for counts such as iterations).
    static func linear(covering dataLower: Double, _ dataUpper: Double, title: String,
                       maximumIntervals: Int = 6, integerSteps: Bool = false) -> Axis {
        var values = AxisTicks.linear(covering: dataLower, dataUpper, maximumIntervals: maximumIntervals,
                                      minimumStep: integerSteps ? 1 : 0)
        if values.count < 2 { values = [0, 1] }
        let step = values[1] - values[0]
        let labels = TickLabel.linear(values, step: step)
        return Axis(scale: .linear, lower: values.first!, upper: values.last!,
                    ticks: zip(values, labels).map { Tick(value: $0, label: $1) }, title: title)
    }

    /// A linear axis spanning exactly `lower…upper` with the nice ticks that fall inside
    /// (time and frequency axes of images, colour bars).
    static func linear(exactly lower: Double, _ upper: Double, title: String, maximumIntervals: Int = 6) -> Axis {
        let (low, high) = AxisTicks.widened(lower, upper)
        let covering = AxisTicks.linear(covering: low, high, maximumIntervals: maximumIntervals)
        let step = covering.count >= 2 ? covering[1] - covering[0] : high - low
        let values = AxisTicks.linear(within: low, high, maximumIntervals: maximumIntervals)
        let labels = TickLabel.linear(values, step: step)
        return Axis(scale: .linear, lower: low, upper: high,
                    ticks: zip(values, labels).map { Tick(value: $0, label: $1) }, title: title)
    }

    /// A logarithmic axis from decade to decade covering the positive range `dataLower…dataUpper`.
    static func logarithmic(covering dataLower: Double, _ dataUpper: Double, title: String) -> Axis {
        var exponents = AxisTicks.decades(covering: dataLower, dataUpper)
        if exponents.count < 2 { exponents = [0, 1] }
        let values = exponents.map { pow(10, Double($0)) }
        let labels = TickLabel.decades(exponents)
        return Axis(scale: .logarithmic, lower: values.first!, upper: values.last!,
                    ticks: zip(values, labels).map { Tick(value: $0, label: $1) },
                    minorTicks: AxisTicks.decadeMinorTicks(exponents), title: title)
    }
}
