import Foundation

/// Draws the frame, grid, ticks, tick labels and axis titles around a plot area, and computes
/// the margins they need so nothing overlaps.
struct AxesPainter {
    let canvas: PlotCanvas

    // MARK: - Measuring

    /// Width of a tick label, superscript included.
    func width(of label: TickLabel) -> Double {
        canvas.textWidth(typeset(label.text), PlotStyle.tickLabel)
            + (label.exponent.map { canvas.textWidth(typeset($0), PlotStyle.exponent) + 1 } ?? 0)
    }

    /// `text` with hyphen-minus signs replaced by the typographic minus sign "−" (U+2212).
    func typeset(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "\u{2212}") }

    /// Height of one line of text from its cap line to the bottom of descenders.
    func lineHeight(_ style: TextStyle) -> Double { style.size * 1.05 }

    /// Space left of the plot area for `axis` as a y axis (tick labels and rotated title).
    func leftMargin(for axis: Axis) -> Double {
        let widest = axis.ticks.map { width(of: $0.label) }.max() ?? 0
        let title = axis.title.isEmpty ? 0 : lineHeight(PlotStyle.axisTitle) + PlotStyle.axisTitleGap
        return PlotStyle.outerPadding + title + widest + PlotStyle.tickLabelGap + PlotStyle.tickLength
    }

    /// Space below the plot area for `axis` as an x axis.
    func bottomMargin(for axis: Axis) -> Double {
        let labels = PlotStyle.tickLength + PlotStyle.tickLabelGap + lineHeight(PlotStyle.tickLabel)
        let title = axis.title.isEmpty ? 0 : PlotStyle.axisTitleGap + lineHeight(PlotStyle.axisTitle)
        return labels + title + PlotStyle.outerPadding
    }

    /// Half the width of the last x tick label (it must not stick out of the figure).
    func rightOverhang(for axis: Axis) -> Double {
        axis.ticks.last.map { width(of: $0.label) / 2 } ?? 0
    }

    // MARK: - Drawing

    /// The pixel column of `value` on an x axis drawn across `area` (NaN when not drawable).
    static func x(_ value: Double, _ axis: Axis, _ area: PlotRect) -> Double {
        area.x + axis.fraction(value) * area.width
    }

    /// The pixel row of `value` on a y axis drawn up `area` (NaN when not drawable).
    static func y(_ value: Double, _ axis: Axis, _ area: PlotRect) -> Double {
        area.maxY - axis.fraction(value) * area.height
    }

    /// Light grid lines at the major ticks of both axes, and at the minor ticks of axes with at
    /// most four decades (denser minor grids look like noise). Drawn before the data.
    func drawGrid(in area: PlotRect, x: Axis, y: Axis) {
        let maximumMinorLines = 4 * 8
        let xMinor = x.minorTicks.count <= maximumMinorLines ? x.minorTicks : []
        let yMinor = y.minorTicks.count <= maximumMinorLines ? y.minorTicks : []
        for (axis, color, values) in [(x, PlotStyle.minorGrid, xMinor), (x, PlotStyle.grid, x.ticks.map(\.value))] {
            for value in values {
                let px = crisp(Self.x(value, axis, area), area.x, area.maxX)
                guard px > area.x + 1, px < area.maxX - 1 else { continue }
                canvas.line(from: (px, area.y), to: (px, area.maxY), color)
            }
        }
        for (axis, color, values) in [(y, PlotStyle.minorGrid, yMinor), (y, PlotStyle.grid, y.ticks.map(\.value))] {
            for value in values {
                let py = crisp(Self.y(value, axis, area), area.y, area.maxY)
                guard py > area.y + 1, py < area.maxY - 1 else { continue }
                canvas.line(from: (area.x, py), to: (area.maxX, py), color)
            }
        }
    }

    /// The frame, outward ticks, tick labels and axis titles (drawn after the data).
    /// `yTitleX` is where the centre of the rotated y title goes (so stacked panels align).
    func drawFrameAndLabels(in area: PlotRect, x: Axis, y: Axis, yTitleX: Double? = nil) {
        canvas.stroke(PlotRect(x: area.x + 0.5, y: area.y + 0.5, width: area.width - 1, height: area.height - 1), PlotStyle.frame)
        let labelTop = area.maxY + PlotStyle.tickLength + PlotStyle.tickLabelGap
        for tick in x.ticks {
            let exact = Self.x(tick.value, x, area)
            guard exact.isFinite, exact >= area.x - 1, exact <= area.maxX + 1 else { continue }
            let px = crisp(exact, area.x, area.maxX)
            canvas.line(from: (px, area.maxY), to: (px, area.maxY + PlotStyle.tickLength), PlotStyle.frame)
            draw(tick.label, at: (px, labelTop), horizontal: .center, vertical: .top)
        }
        for minor in y.minorTicks {
            let exact = Self.y(minor, y, area)
            guard exact.isFinite, exact >= area.y - 1, exact <= area.maxY + 1 else { continue }
            let py = crisp(exact, area.y, area.maxY)
            canvas.line(from: (area.x - PlotStyle.tickLength * 0.6, py), to: (area.x, py), PlotStyle.frame)
        }
        let labelRight = area.x - PlotStyle.tickLength - PlotStyle.tickLabelGap
        for tick in y.ticks {
            let exact = Self.y(tick.value, y, area)
            guard exact.isFinite, exact >= area.y - 1, exact <= area.maxY + 1 else { continue }
            let py = crisp(exact, area.y, area.maxY)
            canvas.line(from: (area.x - PlotStyle.tickLength, py), to: (area.x, py), PlotStyle.frame)
            draw(tick.label, at: (labelRight, py), horizontal: .trailing, vertical: .middle)
        }
        if !x.title.isEmpty {
            let top = labelTop + lineHeight(PlotStyle.tickLabel) + PlotStyle.axisTitleGap
            canvas.text(x.title, at: (area.midX, top), PlotStyle.axisTitle, anchor: TextAnchor(horizontal: .center, vertical: .top))
        }
        if !y.title.isEmpty {
            let widest = y.ticks.map { width(of: $0.label) }.max() ?? 0
            let centre = yTitleX ?? (labelRight - widest - PlotStyle.axisTitleGap - lineHeight(PlotStyle.axisTitle) / 2)
            canvas.text(fitted(y.title, PlotStyle.axisTitle, width: area.height), at: (centre, area.midY),
                        PlotStyle.axisTitle, anchor: .center, rotated: true)
        }
    }

    /// Draws a tick label (with its superscript) anchored at `point`.
    func draw(_ label: TickLabel, at point: (x: Double, y: Double),
              horizontal: TextAnchor.Horizontal, vertical: TextAnchor.Vertical) {
        let total = width(of: label)
        let left: Double
        switch horizontal {
        case .leading: left = point.x
        case .center: left = point.x - total / 2
        case .trailing: left = point.x - total
        }
        let cap = canvas.capHeight(PlotStyle.tickLabel)
        let baseline: Double
        switch vertical {
        case .top: baseline = point.y + cap + (label.exponent == nil ? 0 : cap * 0.35)
        case .middle: baseline = point.y + cap / 2
        case .baseline: baseline = point.y
        case .bottom: baseline = point.y - PlotStyle.tickLabel.size * 0.25
        }
        let anchor = TextAnchor(horizontal: .leading, vertical: .baseline)
        canvas.text(typeset(label.text), at: (left, baseline), PlotStyle.tickLabel, anchor: anchor)
        if let exponent = label.exponent {
            let baseWidth = canvas.textWidth(typeset(label.text), PlotStyle.tickLabel)
            canvas.text(typeset(exponent), at: (left + baseWidth + 1, baseline - cap * 0.55), PlotStyle.exponent, anchor: anchor)
        }
    }

    /// A one-line title centred on `centreX` (moved inwards if it would leave the figure),
    /// shortened with "…" if wider than the figure.
    func drawTitle(_ text: String, _ style: TextStyle, centreX: Double, baseline: Double) {
        let figureWidth = Double(canvas.width)
        let title = fitted(text, style, width: figureWidth - 2 * PlotStyle.outerPadding)
        let half = canvas.textWidth(title, style) / 2
        let centre = min(max(centreX, half + PlotStyle.outerPadding), figureWidth - half - PlotStyle.outerPadding)
        canvas.text(title, at: (centre, baseline), style, anchor: TextAnchor(horizontal: .center, vertical: .baseline))
    }

    /// `text`, shortened with "…" if it is wider than `width` pixels in `style`.
    func fitted(_ text: String, _ style: TextStyle, width: Double) -> String {
        guard canvas.textWidth(text, style) > width else { return text }
        var characters = Array(text)
        while !characters.isEmpty, canvas.textWidth(String(characters) + "…", style) > width { characters.removeLast() }
        return String(characters) + "…"
    }

    /// `value` moved to a pixel centre inside `lower ..< upper` (integer edges of the plot
    /// area), so 1-pixel lines are sharp and ticks at the ends meet the frame.
    func crisp(_ value: Double, _ lower: Double, _ upper: Double) -> Double {
        min(max(value.rounded(.down), lower), upper - 1) + 0.5
    }
}
