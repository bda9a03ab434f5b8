import Foundation

/// Lays out and draws a `LinePlot` on a canvas: chooses the scales, sizes the margins from the
/// tick labels, then draws grid, curves, frame, labels, title and legend.
struct LinePlotRenderer {
    let plot: LinePlot
    let canvas: PlotCanvas

    /// Whether `point` can be drawn: finite, and positive y on a log axis.
    private static func isDrawable(_ point: PlotPoint, logarithmic: Bool) -> Bool {
        point.x.isFinite && point.y.isFinite && (!logarithmic || point.y > 0)
    }

    /// Each series split into runs of consecutive drawable points (a skipped point breaks the curve).
    private func runs(logarithmic: Bool) -> [[[PlotPoint]]] {
        plot.series.map { series in
            series.points.split(omittingEmptySubsequences: true) { !Self.isDrawable($0, logarithmic: logarithmic) }.map(Array.init)
        }
    }

    /// Whether the y axis is logarithmic (see `LinePlot.YScale.automatic`).
    func usesLogarithmicY() -> Bool {
        switch plot.yScale {
        case .linear: return false
        case .logarithmic: return plot.series.flatMap(\.points).contains { Self.isDrawable($0, logarithmic: true) }
        case .automatic:
            let finite = plot.series.flatMap(\.points).filter { Self.isDrawable($0, logarithmic: false) }.map(\.y)
            let positive = finite.filter { $0 > 0 }
            guard let low = positive.min(), let high = positive.max(),
                  Double(positive.count) >= 0.9 * Double(finite.count) else { return false }
            return high / low > 100
        }
    }

    func draw() {
        let logarithmic = usesLogarithmicY()
        let curves = runs(logarithmic: logarithmic)
        let all = curves.joined().joined()
        let isEmpty = all.isEmpty
        let integerX = !isEmpty && all.allSatisfy { $0.x == $0.x.rounded() && abs($0.x) < 1e15 }
        let xAxis = Axis.linear(covering: all.map(\.x).min() ?? 0, all.map(\.x).max() ?? 1, title: plot.xLabel,
                                integerSteps: integerX)
        let yAxis = logarithmic
            ? Axis.logarithmic(covering: all.map(\.y).min()!, all.map(\.y).max()!, title: plot.yLabel)
            : Axis.linear(covering: all.map(\.y).min() ?? 0, all.map(\.y).max() ?? 1, title: plot.yLabel)

        let painter = AxesPainter(canvas: canvas)
        let width = Double(canvas.width), height = Double(canvas.height)
        let titleBaseline = PlotStyle.outerPadding + canvas.capHeight(PlotStyle.title) + 2
        let top = plot.title.isEmpty ? PlotStyle.outerPadding + 6 : titleBaseline + PlotStyle.titleGap
        let left = painter.leftMargin(for: yAxis).rounded()
        let right = max(PlotStyle.outerPadding + 12, painter.rightOverhang(for: xAxis) + PlotStyle.outerPadding).rounded()
        let bottom = painter.bottomMargin(for: xAxis).rounded()
        let area = PlotRect(x: left, y: top.rounded(), width: max(1, width - left - right),
                            height: max(1, height - top.rounded() - bottom))

        painter.drawGrid(in: area, x: xAxis, y: yAxis)
        // Clip a line width outside the frame, so a curve along the edge is not cut in half.
        let margin = PlotStyle.lineWidth
        canvas.clipped(to: PlotRect(x: area.x - margin, y: area.y - margin,
                                    width: area.width + 2 * margin, height: area.height + 2 * margin)) {
            for (index, runs) in curves.enumerated() {
                let color = self.color(ofSeries: index)
                for run in runs { drawRun(run, color: color, x: xAxis, y: yAxis, area: area) }
            }
        }
        painter.drawFrameAndLabels(in: area, x: xAxis, y: yAxis)
        if isEmpty {
            canvas.text("no data", at: (area.midX, area.midY), PlotStyle.note)
        }
        painter.drawTitle(plot.title, PlotStyle.title, centreX: area.midX, baseline: titleBaseline)
        drawLegend(in: area)
    }

    /// The colour of series `index`: its own, or the palette's `index`-th (cycling).
    private func color(ofSeries index: Int) -> PlotColor {
        plot.series[index].color ?? PlotColor.seriesPalette[index % PlotColor.seriesPalette.count]
    }

    /// One run of consecutive points as a polyline, or a dot when it is a single point.
    private func drawRun(_ run: [PlotPoint], color: PlotColor, x: Axis, y: Axis, area: PlotRect) {
        let pixels = run.map { (x: AxesPainter.x($0.x, x, area), y: AxesPainter.y($0.y, y, area)) }
        if pixels.count == 1 {
            canvas.disc(at: pixels[0], radius: 3, color)
        } else {
            canvas.polyline(pixels, color, lineWidth: PlotStyle.lineWidth)
        }
    }

    /// A legend in the top-right corner when at least two series have names.
    private func drawLegend(in area: PlotRect) {
        let named = plot.series.enumerated().filter { !$0.element.name.isEmpty }
        guard named.count >= 2 else { return }
        let rowHeight = 18.0, swatch = 22.0
        let widest = named.map { canvas.textWidth($0.element.name, PlotStyle.legend) }.max() ?? 0
        let box = PlotRect(x: area.maxX - widest - swatch - 26, y: area.y + 8,
                           width: widest + swatch + 18, height: Double(named.count) * rowHeight + 8)
        canvas.fill(box, PlotColor(hex: 0xFFFFFF))
        canvas.stroke(PlotRect(x: box.x.rounded() + 0.5, y: box.y.rounded() + 0.5, width: box.width.rounded(), height: box.height.rounded()),
                      PlotStyle.grid)
        for (row, (index, series)) in named.enumerated() {
            let color = color(ofSeries: index)
            let midY = box.y + 4 + (Double(row) + 0.5) * rowHeight
            canvas.line(from: (box.x + 6, midY), to: (box.x + 6 + swatch, midY), color, lineWidth: PlotStyle.lineWidth)
            canvas.text(series.name, at: (box.x + swatch + 12, midY), PlotStyle.legend,
                        anchor: TextAnchor(horizontal: .leading, vertical: .middle))
        }
    }
}
