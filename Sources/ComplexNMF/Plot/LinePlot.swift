import Foundation

/// A point of a line plot, in data units.
public struct PlotPoint: Sendable, Equatable {
    /// Horizontal coordinate.
    public var x: Double
    /// Vertical coordinate.
    public var y: Double

    /// A point `(x, y)`.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A line chart described as a value and rendered to PNG with cairo: nice 1-2-5 ticks, light
/// grid, title and axis titles; the y axis turns logarithmic by itself when the data span more
/// than two decades.
///
/// Robust to awkward data: non-finite points are skipped (the curve is broken there), isolated
/// points are drawn as dots, constant data get a small range around the value, and an empty
/// plot shows its axes with the note "no data". Rendering an 800 × 500 plot takes a few
/// milliseconds; the cost grows linearly with the number of points.
public struct LinePlot: Sendable, Equatable {
    /// One named curve.
    public struct Series: Sendable, Equatable {
        /// The legend entry (a legend is drawn when at least two series have names).
        public var name: String
        /// The points in drawing order; NaN/±∞ coordinates are skipped.
        public var points: [PlotPoint]
        /// The curve colour; nil picks the next colour of `PlotColor.seriesPalette`.
        public var color: PlotColor?

        /// A series of `points`.
        public init(name: String = "", points: [PlotPoint], color: PlotColor? = nil) {
            self.name = name
            self.points = points
            self.color = color
        }
    }

    /// How the y axis maps values.
    public enum YScale: Sendable, Equatable {
        /// Logarithmic when the positive values span more than two decades (max/min > 100) and
        /// make up at least 90 % of the finite values; linear otherwise.
        case automatic
        /// Always linear.
        case linear
        /// Always logarithmic; non-positive values are skipped.
        case logarithmic
    }

    /// The title above the plot.
    public var title: String
    /// The x-axis title, with its unit ("iteration", "time (s)").
    public var xLabel: String
    /// The y-axis title, with its unit.
    public var yLabel: String
    /// The curves, drawn in order.
    public var series: [Series]
    /// The y-axis scale (default `.automatic`).
    public var yScale: YScale
    /// Image width in pixels (default 800).
    public var width: Int
    /// Image height in pixels (default 500).
    public var height: Int

    /// A plot of several series.
    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                yScale: YScale = .automatic, width: Int = 800, height: Int = 500) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yScale = yScale
        self.width = width
        self.height = height
    }

    /// A plot of one curve through `points`.
    public init(title: String, xLabel: String, yLabel: String, points: [PlotPoint],
                yScale: YScale = .automatic, width: Int = 800, height: Int = 500) {
        self.init(title: title, xLabel: xLabel, yLabel: yLabel, series: [Series(points: points)],
                  yScale: yScale, width: width, height: height)
    }

    /// The learning curve of an iterative factorisation: `cost[i]` is the objective after
    /// iteration `i + 1`, plotted against the iteration number.
    ///
    /// Title: "`method` — final cost 1.234e+03 after 100 iterations"; x title "iteration",
    /// y title `costName` (e.g. "Σ|Y − F|² + 2λΣU^p").
    public static func learningCurve(cost: [Double], method: String, costName: String) -> LinePlot {
        let points = cost.enumerated().map { PlotPoint(x: Double($0.offset + 1), y: $0.element) }
        let title: String
        if let last = cost.last {
            let plural = cost.count == 1 ? "iteration" : "iterations"
            title = "\(method) — final cost \(String(format: "%.3e", last)) after \(cost.count) \(plural)"
        } else {
            title = "\(method) — no iterations"
        }
        return LinePlot(title: title, xLabel: "iteration", yLabel: costName, points: points)
    }

    /// Renders the plot and writes it as a PNG of `width × height` pixels to `path`, atomically
    /// (the file appears complete or not at all).
    /// - Throws: `ComplexNMFError.unwritableFile` when `path` cannot be written (e.g. its
    ///   directory does not exist); `.invalidParameter` for a size outside 1…16 384 pixels.
    public func render(to path: String) throws {
        try AtomicFileWriter.write(pngBytes(), to: path)
    }

    /// The rendered plot as PNG bytes.
    func pngBytes() throws -> [UInt8] {
        let canvas = try PlotCanvas(width: width, height: height)
        LinePlotRenderer(plot: self, canvas: canvas).draw()
        return try canvas.pngBytes()
    }
}
