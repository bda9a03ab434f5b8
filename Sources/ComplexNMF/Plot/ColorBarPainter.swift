/// Draws a vertical colour bar: the colour map from `axis.lower` (bottom) to `axis.upper`
/// (top), ticks with labels on its right and the unit title, rotated, beyond them.
struct ColorBarPainter {
    let canvas: PlotCanvas

    /// Width of the bar itself.
    static let barWidth = 14.0
    /// Gap between the plot area and the bar.
    static let gap = 16.0

    /// The horizontal space the bar needs right of the plot area, labels and title included.
    func requiredWidth(for axis: Axis) -> Double {
        let painter = AxesPainter(canvas: canvas)
        let widest = axis.ticks.map { painter.width(of: $0.label) }.max() ?? 0
        let title = axis.title.isEmpty ? 0 : PlotStyle.axisTitleGap + painter.lineHeight(PlotStyle.axisTitle)
        return Self.gap + Self.barWidth + PlotStyle.tickLength + PlotStyle.tickLabelGap + widest + title + PlotStyle.outerPadding
    }

    /// Draws the bar beside `area` (same height) with `colorMap`.
    func draw(beside area: PlotRect, axis: Axis, colorMap: ColorMap) throws {
        let bar = PlotRect(x: (area.maxX + Self.gap).rounded(), y: area.y, width: Self.barWidth, height: area.height)
        let table = colorMap.lookupTable()
        let gradient = try RasterImage(width: 1, height: table.count) { _, y in table[table.count - 1 - y] }
        canvas.draw(gradient, in: bar, smooth: true)
        canvas.stroke(PlotRect(x: bar.x + 0.5, y: bar.y + 0.5, width: bar.width - 1, height: bar.height - 1), PlotStyle.frame)
        let painter = AxesPainter(canvas: canvas)
        let labelLeft = bar.maxX + PlotStyle.tickLength + PlotStyle.tickLabelGap
        for tick in axis.ticks {
            let exact = AxesPainter.y(tick.value, axis, bar)
            guard exact.isFinite, exact >= bar.y - 1, exact <= bar.maxY + 1 else { continue }
            let py = painter.crisp(exact, bar.y, bar.maxY)
            canvas.line(from: (bar.maxX, py), to: (bar.maxX + PlotStyle.tickLength, py), PlotStyle.frame)
            painter.draw(tick.label, at: (labelLeft, py), horizontal: .leading, vertical: .middle)
        }
        if !axis.title.isEmpty {
            let widest = axis.ticks.map { painter.width(of: $0.label) }.max() ?? 0
            let centre = labelLeft + widest + PlotStyle.axisTitleGap + painter.lineHeight(PlotStyle.axisTitle) / 2
            canvas.text(painter.fitted(axis.title, PlotStyle.axisTitle, width: bar.height), at: (centre, bar.midY),
                        PlotStyle.axisTitle, anchor: .center, rotated: true)
        }
    }
}
