import Foundation

/// One or more `HeatmapPanel`s stacked vertically in one PNG (e.g. "mixture" above
/// "reconstruction"), each with its title, time axis, row axis and colour bar. The plot areas
/// of all panels share their left and right edges, so time lines up between panels.
///
/// Cost: one pass over each matrix (max-pooling to the pixel grid) plus drawing a
/// `width × panelHeight` image per panel; a 1025 × 26 000 spectrogram renders in well under a
/// second in a release build. Memory beyond the inputs is O(pixels).
public struct HeatmapPlot: Sendable, Equatable {
    /// The panels, top to bottom (at least one).
    public var panels: [HeatmapPanel]
    /// Image width in pixels (default 1000).
    public var width: Int
    /// Height of each panel in pixels (default 360); the image is `panels.count × panelHeight` tall.
    public var panelHeight: Int

    /// A figure of `panels` stacked top to bottom.
    public init(panels: [HeatmapPanel], width: Int = 1000, panelHeight: Int = 360) {
        self.panels = panels
        self.width = width
        self.panelHeight = panelHeight
    }

    /// Renders the panels and writes the PNG to `path` atomically (complete or not at all).
    /// - Throws: `ComplexNMFError.unwritableFile` when `path` cannot be written;
    ///   `.invalidParameter` / `.shapeMismatch` for invalid panels (no panels, non-positive
    ///   `secondsPerColumn`, `hertzPerRow` or dB range, a label count that is not the row count).
    public func render(to path: String) throws {
        try AtomicFileWriter.write(pngBytes(), to: path)
    }

    /// Renders `panels` stacked top to bottom into a `width × (panels.count · panelHeight)` PNG
    /// at `path` (see `render(to:)`).
    public static func render(panels: [HeatmapPanel], to path: String, width: Int = 1000, panelHeight: Int = 360) throws {
        try HeatmapPlot(panels: panels, width: width, panelHeight: panelHeight).render(to: path)
    }

    /// The rendered figure as PNG bytes.
    func pngBytes() throws -> [UInt8] {
        guard !panels.isEmpty else {
            throw ComplexNMFError.invalidParameter(name: "panels", value: "[]", expectation: "a heatmap plot needs at least one panel")
        }
        guard (1...16_384).contains(panelHeight), panels.count * panelHeight <= 16_384 else {
            throw ComplexNMFError.invalidParameter(name: "panelHeight", value: "\(panelHeight)",
                                                   expectation: "panels × panelHeight must be 1…16384 pixels")
        }
        for panel in panels { try panel.validate() }
        let canvas = try PlotCanvas(width: width, height: panels.count * panelHeight)
        let painter = AxesPainter(canvas: canvas)
        let bars = ColorBarPainter(canvas: canvas)

        // Pool each matrix once to at most the figure's pixels; this fixes the colour ranges,
        // which the layout needs (colour-bar label widths).
        let rasters = panels.map { panel in
            HeatmapRaster(panel.values, scale: panel.valueScale, maximumColumns: width, maximumRows: panelHeight)
        }
        // Layout shared by all panels: the widest left and right margins.
        let estimatedHeight = Double(panelHeight) * 0.75
        let layouts = zip(panels, rasters).map { panel, raster in
            (x: timeAxis(panel), y: rowAxis(panel, plotHeight: estimatedHeight), bar: colorBarAxis(panel, raster))
        }
        let left = (layouts.map { painter.leftMargin(for: $0.y) }.max() ?? 0).rounded()
        let right = (layouts.map { max(bars.requiredWidth(for: $0.bar), painter.rightOverhang(for: $0.x) + PlotStyle.outerPadding) }
            .max() ?? 0).rounded()
        let yTitleX = PlotStyle.outerPadding + painter.lineHeight(PlotStyle.axisTitle) / 2

        for (index, panel) in panels.enumerated() {
            let top = Double(index * panelHeight)
            let titleBaseline = top + PlotStyle.outerPadding + canvas.capHeight(PlotStyle.panelTitle) + 2
            let areaTop = (titleBaseline + PlotStyle.titleGap - 4).rounded()
            let bottom = painter.bottomMargin(for: layouts[index].x).rounded()
            let area = PlotRect(x: left, y: areaTop, width: max(1, Double(width) - left - right),
                                height: max(1, top + Double(panelHeight) - bottom - areaTop))
            let yAxis = rowAxis(panel, plotHeight: area.height)

            let raster = rasters[index].pooled(maximumColumns: Int(area.width), maximumRows: Int(area.height))
            if raster.columns > 0 {
                canvas.draw(try raster.image(colorMap: panel.colorMap), in: area)
                try bars.draw(beside: area, axis: layouts[index].bar, colorMap: panel.colorMap)
            } else {
                canvas.text("no data", at: (area.midX, area.midY), PlotStyle.note)
            }
            painter.drawFrameAndLabels(in: area, x: layouts[index].x, y: yAxis, yTitleX: yTitleX)
            painter.drawTitle(panel.title, PlotStyle.panelTitle, centreX: area.midX, baseline: titleBaseline)
        }
        return try canvas.pngBytes()
    }

    // MARK: - Axes

    /// Time in seconds from 0 to `columns × secondsPerColumn`.
    private func timeAxis(_ panel: HeatmapPanel) -> Axis {
        Axis.linear(exactly: 0, Double(max(1, panel.values.columns)) * panel.secondsPerColumn, title: "time (s)",
                    maximumIntervals: 10)
    }

    /// The y axis for the panel's rows, with row labels thinned to fit `plotHeight` pixels.
    private func rowAxis(_ panel: HeatmapPanel, plotHeight: Double) -> Axis {
        let rows = panel.values.rows
        switch panel.rowAxis {
        case let .frequency(hertzPerRow):
            // Row r is centred on r·Δf, so the image spans −Δf/2 … (rows − ½)·Δf.
            let top = (Double(max(1, rows)) - 0.5) * hertzPerRow
            let kilo = top >= 2_000
            let unit = kilo ? 1_000.0 : 1
            return Axis.linear(exactly: -hertzPerRow / 2 / unit, top / unit,
                               title: kilo ? "frequency (kHz)" : "frequency (Hz)", maximumIntervals: 6)
        case let .labels(labels, title):
            return labelledRows(labels, title: title, plotHeight: plotHeight)
        case let .index(title):
            return labelledRows((0..<rows).map(String.init), title: title, plotHeight: plotHeight)
        }
    }

    /// Ticks at row centres `r + ½` labelled `labels[r]`, every n-th row (n = 1, 2, 5, 10, …)
    /// so labels are at least 1.6 text lines apart.
    private func labelledRows(_ labels: [String], title: String, plotHeight: Double) -> Axis {
        let rows = max(1, labels.count)
        let needed = Double(rows) * PlotStyle.tickLabel.size * 1.6 / max(1, plotHeight)
        let every = needed <= 1 ? 1 : Int(AxisTicks.niceStep(span: needed, maximumIntervals: 1).rounded(.up))
        let ticks = stride(from: 0, to: labels.count, by: every).map {
            Axis.Tick(value: Double($0) + 0.5, label: TickLabel(text: labels[$0]))
        }
        return Axis(scale: .linear, lower: 0, upper: Double(rows), ticks: ticks, title: title)
    }

    /// The colour-bar axis over the raster's colour range, titled with the unit.
    private func colorBarAxis(_ panel: HeatmapPanel, _ raster: HeatmapRaster) -> Axis {
        Axis.linear(exactly: raster.lower, raster.upper, title: panel.resolvedUnitLabel, maximumIntervals: 5)
    }
}
