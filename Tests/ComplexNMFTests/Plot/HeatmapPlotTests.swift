import Foundation
import Testing
@testable import ComplexNMF

@Suite("Plot: heatmaps")
struct HeatmapPlotTests {
    /// A `[rows × columns]` matrix with `value(row, column)`.
    static func matrix(rows: Int, columns: Int, _ value: (Int, Int) -> Float) -> RealMatrix {
        var m = RealMatrix(rows: rows, columns: columns)
        for c in 0..<columns { for r in 0..<rows { m[r, c] = value(r, c) } }
        return m
    }

    static func spectrogramPanel(_ title: String, columns: Int = 300, peak: Int = 40) -> HeatmapPanel {
        let values = matrix(rows: 513, columns: columns) { r, c in
            (r == peak || r == 2 * peak ? 1 : 1e-4) * Float(1 + (c % 50)) / 50
        }
        return HeatmapPanel(title: title, values: values, secondsPerColumn: 512 / 22_050,
                            rowAxis: .frequency(hertzPerRow: 22_050 / 1_024), valueScale: .amplitudeDecibels(range: 80))
    }

    @Test func stackedPanelsHaveTheRequestedSize() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/spectrograms.png"
        try HeatmapPlot.render(panels: [Self.spectrogramPanel("mixture"), Self.spectrogramPanel("reconstruction", peak: 60)],
                               to: path, width: 900, panelHeight: 320)
        let bytes = try fileBytes(path)
        #expect(bytes.starts(with: pngSignature))
        let size = try #require(pngDimensions(bytes))
        #expect(size.width == 900 && size.height == 640)
    }

    @Test func imageUsesTheColourMap() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/heatmap.png"
        // Left half 0, right half 1: the lowest and highest viridis colours, each a large block.
        let values = Self.matrix(rows: 4, columns: 10) { _, c in c < 5 ? 0 : 1 }
        try HeatmapPlot.render(panels: [HeatmapPanel(title: "halves", values: values, secondsPerColumn: 0.1,
                                                     rowAxis: .index(title: "row"), colorMap: .viridis)], to: path)
        let image = try #require(DecodedPNG(path: path))
        #expect(image.count(near: 0x440154, tolerance: 3) > 50_000)
        #expect(image.count(near: 0xFDE725, tolerance: 3) > 50_000)
    }

    @Test func differentDataGiveDifferentImages() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        try HeatmapPlot.render(panels: [Self.spectrogramPanel("a", peak: 40)], to: "\(directory)/a.png")
        try HeatmapPlot.render(panels: [Self.spectrogramPanel("a", peak: 90)], to: "\(directory)/b.png")
        let a = try #require(DecodedPNG(path: "\(directory)/a.png"))
        let b = try #require(DecodedPNG(path: "\(directory)/b.png"))
        #expect(zip(a.pixels, b.pixels).filter { $0 != $1 }.count > 1_000)
    }

    @Test func maxPoolingKeepsPeaksAndSkipsNaN() {
        // One row, 10 columns pooled into 3: groups {0,1,2,3}, {4,5,6}, {7,8,9}.
        let values: [Float] = [0, 0, 9, 0, .nan, .nan, .nan, 1, .infinity, 2]
        let pooled = HeatmapRaster.maxPooled(values, rows: 1, columns: 10, maximumRows: 1, maximumColumns: 3)
        #expect(pooled.columns == 3 && pooled.rows == 1)
        #expect(pooled.values[0] == 9 && pooled.values[1].isNaN && pooled.values[2] == 2)
        // Fewer columns than pixels: unchanged, except that +∞ counts as missing.
        let native = HeatmapRaster.maxPooled(values, rows: 2, columns: 5, maximumRows: 100, maximumColumns: 100)
        #expect(native.columns == 5 && native.rows == 2)
        let expected = values.map { $0 == .infinity ? .nan : $0 }
        #expect(zip(native.values, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test func amplitudeDecibelsAreRelativeToTheMaximumAndClipped() {
        let values = RealMatrix(rows: 1, columns: 4, values: [10, 1, 1e-9, 0])
        let raster = HeatmapRaster(values, scale: .amplitudeDecibels(range: 80), maximumColumns: 10, maximumRows: 10)
        #expect(raster.lower == -80 && raster.upper == 0)
        #expect(abs(raster.values[0] - 0) < 1e-4 && abs(raster.values[1] + 20) < 1e-4)
        #expect(raster.values[2] == -80 && raster.values[3] == -80)

        let decibels = HeatmapRaster(RealMatrix(rows: 1, columns: 2, values: [-3, -200]), scale: .decibels(range: 60),
                                     maximumColumns: 10, maximumRows: 10)
        #expect(decibels.lower == -63 && decibels.upper == -3)
    }

    @Test func pianoRollLabelsEveryRow() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let notes = ["C4", "E4", "G4", "C5"]
        let activations = Self.matrix(rows: 4, columns: 200) { r, c in (c / 50) % 4 == r ? 1 : 0 }
        let panel = HeatmapPanel(title: "activations", values: activations, secondsPerColumn: 0.02,
                                 rowAxis: .labels(notes, title: "note"), colorMap: .viridis, unitLabel: "activation")
        try HeatmapPlot.render(panels: [panel], to: "\(directory)/roll.png")
        #expect(FileManager.default.fileExists(atPath: "\(directory)/roll.png"))
    }

    @Test(arguments: [
        ("empty matrix", RealMatrix(rows: 0, columns: 0)),
        ("all NaN", RealMatrix(rows: 3, columns: 4, repeating: .nan)),
        ("all zero", RealMatrix(rows: 3, columns: 4, repeating: 0)),
        ("infinities", RealMatrix(rows: 1, columns: 3, values: [.infinity, -.infinity, 1])),
    ] as [(String, RealMatrix)])
    func awkwardMatricesRenderWithoutCrashing(name: String, values: RealMatrix) throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        for scale in [HeatmapPanel.ValueScale.linear, .amplitudeDecibels(), .decibels()] {
            let panel = HeatmapPanel(title: name, values: values, secondsPerColumn: 0.01,
                                     rowAxis: .frequency(hertzPerRow: 10), valueScale: scale)
            try HeatmapPlot.render(panels: [panel], to: "\(directory)/plot.png")
            #expect(DecodedPNG(path: "\(directory)/plot.png") != nil)
        }
    }

    @Test func invalidPanelsThrow() {
        let values = RealMatrix(rows: 2, columns: 3)
        let invalid: [HeatmapPanel] = [
            HeatmapPanel(title: "labels", values: values, secondsPerColumn: 0.1, rowAxis: .labels(["C4"])),
            HeatmapPanel(title: "time", values: values, secondsPerColumn: 0, rowAxis: .index(title: "")),
            HeatmapPanel(title: "hz", values: values, secondsPerColumn: 0.1, rowAxis: .frequency(hertzPerRow: .nan)),
            HeatmapPanel(title: "dB", values: values, secondsPerColumn: 0.1, rowAxis: .index(title: ""),
                         valueScale: .decibels(range: -1)),
        ]
        for panel in invalid {
            #expect(throws: ComplexNMFError.self, "\(panel.title)") { try HeatmapPlot(panels: [panel]).pngBytes() }
        }
        #expect(throws: ComplexNMFError.self) { try HeatmapPlot(panels: []).pngBytes() }
    }

    @Test func writingIntoAMissingDirectoryThrowsAndLeavesNoFile() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/missing/heatmap.png"
        #expect(throws: ComplexNMFError.self) {
            try HeatmapPlot.render(panels: [Self.spectrogramPanel("mixture")], to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func longSpectrogramRendersQuickly() throws {
        // 1025 bins × 26 000 frames ≈ 10 minutes at hop 512 / 22 050 Hz (107 MB of Float).
        var values = RealMatrix(rows: 1025, columns: 26_000)
        values.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<v.count { v[i] = Float(i % 1025) * 1e-3 }
        }
        let panel = HeatmapPanel(title: "long", values: values, secondsPerColumn: 512 / 22_050,
                                 rowAxis: .frequency(hertzPerRow: 22_050 / 2_048), valueScale: .amplitudeDecibels())
        let clock = ContinuousClock()
        let elapsed = try clock.measure { _ = try HeatmapPlot(panels: [panel]).pngBytes() }
        // About 0.5 s in a debug build; the bound only catches per-cell drawing (minutes).
        #expect(elapsed < .seconds(15), "took \(elapsed)")
    }
}
