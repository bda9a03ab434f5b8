import Foundation
import Testing
@testable import ComplexNMF

@Suite("Plot: line plots")
struct LinePlotTests {
    /// matplotlib blue, the first series colour.
    static let curveColor: UInt32 = 0x1F77B4

    static func decayingCost(_ count: Int, scale: Double = 5e5) -> [Double] {
        (0..<count).map { 1.2e3 + scale * exp(-Double($0) / 8) }
    }

    @Test(arguments: [(800, 500), (640, 360), (1200, 700)])
    func pngHasSignatureAndRequestedSize(width: Int, height: Int) throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/curve.png"
        var plot = LinePlot.learningCurve(cost: Self.decayingCost(100), method: "NMF", costName: "cost")
        (plot.width, plot.height) = (width, height)
        try plot.render(to: path)

        let bytes = try fileBytes(path)
        #expect(bytes.starts(with: pngSignature))
        let size = try #require(pngDimensions(bytes))
        #expect(size.width == width && size.height == height)
    }

    @Test func defaultSizeIsEightHundredByFiveHundred() {
        let plot = LinePlot(title: "", xLabel: "", yLabel: "", points: [])
        #expect(plot.width == 800 && plot.height == 500)
    }

    @Test func curveColourIsDrawnInsideThePlotArea() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/curve.png"
        try LinePlot.learningCurve(cost: Self.decayingCost(100), method: "NMF", costName: "cost").render(to: path)

        let image = try #require(DecodedPNG(path: path))
        // The plot area is roughly the central 80 % of the figure; the curve spans it.
        let inside = image.count(near: Self.curveColor, xs: 100..<760, ys: 50..<430)
        let outside = image.count(near: Self.curveColor, xs: 0..<40, ys: 0..<500)
        #expect(inside > 500, "only \(inside) curve-coloured pixels inside the plot area")
        #expect(outside == 0)
        // Mostly white background, with some dark text.
        #expect(image.count(near: 0xFFFFFF, tolerance: 2) > image.width * image.height / 2)
        #expect(image.count(near: 0x222222, tolerance: 40) > 100)
    }

    @Test func differentDataGiveDifferentImages() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let decaying = LinePlot.learningCurve(cost: Self.decayingCost(100), method: "NMF", costName: "cost")
        let rising = LinePlot.learningCurve(cost: (0..<100).map { Double($0 * $0) + 1 }, method: "NMF", costName: "cost")
        try decaying.render(to: "\(directory)/a.png")
        try rising.render(to: "\(directory)/b.png")
        try decaying.render(to: "\(directory)/c.png")
        let a = try #require(DecodedPNG(path: "\(directory)/a.png"))
        let b = try #require(DecodedPNG(path: "\(directory)/b.png"))
        let c = try #require(DecodedPNG(path: "\(directory)/c.png"))
        let differing = zip(a.pixels, b.pixels).filter { $0 != $1 }.count
        #expect(differing > 1_000, "only \(differing) pixels differ")
        #expect(a.pixels == c.pixels, "rendering is deterministic")
    }

    @Test func learningCurveTitleNamesFinalCostAndIterations() {
        let plot = LinePlot.learningCurve(cost: [2000, 1500, 1234], method: "Complex NMF", costName: "Σ|Y − F|²")
        #expect(plot.title == "Complex NMF — final cost 1.234e+03 after 3 iterations")
        #expect(plot.xLabel == "iteration" && plot.yLabel == "Σ|Y − F|²")
        #expect(plot.series.count == 1 && plot.series[0].points.map(\.x) == [1, 2, 3])
    }

    @Test func yScaleIsLogarithmicOnlyBeyondTwoDecades() throws {
        func usesLog(_ y: [Double]) throws -> Bool {
            let plot = LinePlot(title: "", xLabel: "", yLabel: "", points: y.enumerated().map { PlotPoint(x: Double($0.offset), y: $0.element) })
            return LinePlotRenderer(plot: plot, canvas: try PlotCanvas(width: 10, height: 10)).usesLogarithmicY()
        }
        #expect(try usesLog(Self.decayingCost(100)))
        #expect(try !usesLog([1500, 1400, 1300]))
        #expect(try !usesLog([1, 50]))
        #expect(try usesLog([1, 500, .nan, 0.5]))
        #expect(try !usesLog([-5, -4, 1, 1000]), "mostly non-positive data stay linear")
        #expect(try !usesLog([]))
    }

    @Test(arguments: [
        ("empty", [Double]()),
        ("single point", [42.0]),
        ("constant", [Double](repeating: 7, count: 20)),
        ("zeros", [Double](repeating: 0, count: 5)),
        ("NaN and infinity", [5, .nan, 4, .infinity, 3, -.infinity, 2]),
        ("all NaN", [Double.nan, .nan]),
        ("huge", [1e300, 1.7e308, -1.7e308]),
        ("tiny", [1.5e-7, 1.6e-7, 1.4e-7]),
        ("subnormal", [Double.leastNonzeroMagnitude, 1000 * .leastNonzeroMagnitude]),
        ("log with non-positive", [1e6, 1e3, 0, -1, 1, 1e-3]),
    ] as [(String, [Double])])
    func awkwardDataRenderWithoutCrashing(name: String, cost: [Double]) throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/plot.png"
        try LinePlot.learningCurve(cost: cost, method: name, costName: "cost").render(to: path)
        let image = try #require(DecodedPNG(path: path))
        #expect(image.width == 800 && image.height == 500)
    }

    @Test func emptySeriesDrawAxesButNoCurve() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/empty.png"
        try LinePlot.learningCurve(cost: [], method: "NMF", costName: "cost").render(to: path)
        let image = try #require(DecodedPNG(path: path))
        #expect(image.count(near: Self.curveColor) == 0)
        #expect(image.count(near: 0x595959, tolerance: 10) > 1_000, "frame and ticks are drawn")
    }

    @Test func singlePointIsDrawnAsADot() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/single.png"
        try LinePlot.learningCurve(cost: [42], method: "NMF", costName: "cost").render(to: path)
        let image = try #require(DecodedPNG(path: path))
        #expect(image.count(near: Self.curveColor) >= 9)
    }

    @Test func writingIntoAMissingDirectoryThrowsAndLeavesNoFile() throws {
        let directory = try makePlotDirectory()
        defer { removePlotDirectory(directory) }
        let path = "\(directory)/missing/curve.png"
        #expect(throws: ComplexNMFError.self) {
            try LinePlot.learningCurve(cost: [3, 2, 1], method: "NMF", costName: "cost").render(to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func invalidSizeThrows() {
        #expect(throws: ComplexNMFError.self) {
            try LinePlot(title: "", xLabel: "", yLabel: "", points: [], width: 0).pngBytes()
        }
    }
}
