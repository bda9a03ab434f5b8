import CCairo
import Foundation

/// A rectangle in device pixels (origin top-left, y downwards).
struct PlotRect {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var maxX: Double { x + width }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }
}

/// How text is placed relative to its anchor point.
struct TextAnchor {
    enum Horizontal { case leading, center, trailing }
    enum Vertical { case top, middle, baseline, bottom }
    var horizontal: Horizontal
    var vertical: Vertical

    static let center = TextAnchor(horizontal: .center, vertical: .middle)
}

/// Font size (pixels), weight and colour of a piece of text.
struct TextStyle {
    var size: Double
    var bold = false
    var italic = false
    var color = PlotColor(hex: 0x333333)
}

/// A white ARGB32 cairo image of `width × height` pixels with its drawing context: the only
/// place that owns cairo handles for plots. Both are released in `deinit`.
///
/// Text uses cairo's "toy" API with the "sans-serif" face (DejaVu Sans on Debian), which is
/// enough for Latin labels, Greek letters and math symbols like Σ and λ.
final class PlotCanvas {
    let width: Int
    let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer

    /// A canvas filled with white. Throws `invalidParameter` for sizes outside 1…16 384 pixels.
    init(width: Int, height: Int) throws {
        for (name, value) in [("width", width), ("height", height)] where !(1...16_384).contains(value) {
            throw ComplexNMFError.invalidParameter(name: "plot \(name)", value: "\(value)",
                                                   expectation: "must be 1…16384 pixels")
        }
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        context = cairo_create(surface)
        guard cairo_status(context) == CAIRO_STATUS_SUCCESS else {
            let reason = String(cString: cairo_status_to_string(cairo_status(context)))
            cairo_destroy(context)
            cairo_surface_destroy(surface)
            throw ComplexNMFError.invalidParameter(name: "plot size", value: "\(width)×\(height)", expectation: reason)
        }
        fill(PlotRect(x: 0, y: 0, width: Double(width), height: Double(height)), PlotColor(hex: 0xFFFFFF))
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: - Shapes

    private func setColor(_ color: PlotColor) {
        cairo_set_source_rgb(context, color.red, color.green, color.blue)
    }

    /// Fills `rect` with `color`.
    func fill(_ rect: PlotRect, _ color: PlotColor) {
        setColor(color)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
    }

    /// Strokes the outline of `rect` (pass half-integer coordinates for crisp 1-pixel lines).
    func stroke(_ rect: PlotRect, _ color: PlotColor, lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(context)
    }

    /// A straight line segment.
    func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), _ color: PlotColor, lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_move_to(context, start.x, start.y)
        cairo_line_to(context, end.x, end.y)
        cairo_stroke(context)
    }

    /// A connected line through `points` (at least two), with round joins.
    func polyline(_ points: [(x: Double, y: Double)], _ color: PlotColor, lineWidth: Double) {
        guard let first = points.first, points.count >= 2 else { return }
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(context, CAIRO_LINE_CAP_ROUND)
        cairo_move_to(context, first.x, first.y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_stroke(context)
    }

    /// A filled disc (a marker for isolated points).
    func disc(at centre: (x: Double, y: Double), radius: Double, _ color: PlotColor) {
        setColor(color)
        cairo_new_sub_path(context)
        cairo_arc(context, centre.x, centre.y, radius, 0, 2 * Double.pi)
        cairo_fill(context)
    }

    /// Runs `body` with drawing clipped to `rect`.
    func clipped(to rect: PlotRect, _ body: () -> Void) {
        cairo_save(context)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
        body()
        cairo_restore(context)
    }

    /// Draws `image` stretched over `rect`, its row 0 at the top. `smooth` selects bilinear
    /// filtering; otherwise each image pixel becomes a sharp block (nearest neighbour).
    func draw(_ image: RasterImage, in rect: PlotRect, smooth: Bool = false) {
        cairo_save(context)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
        cairo_translate(context, rect.x, rect.y)
        cairo_scale(context, rect.width / Double(image.width), rect.height / Double(image.height))
        cairo_set_source_surface(context, image.surface, 0, 0)
        let pattern = cairo_get_source(context)
        cairo_pattern_set_filter(pattern, smooth ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST)
        cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD)
        cairo_paint(context)
        cairo_restore(context)
    }

    // MARK: - Text

    private func selectFont(_ style: TextStyle) {
        cairo_select_font_face(context, "sans-serif",
                               style.italic ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                               style.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, style.size)
    }

    /// The advance width of `text` in pixels.
    func textWidth(_ text: String, _ style: TextStyle) -> Double {
        selectFont(style)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// The height of capital letters and digits above the baseline, in pixels.
    func capHeight(_ style: TextStyle) -> Double {
        selectFont(style)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, "0", &extents)
        return -extents.y_bearing
    }

    /// Draws one line of `text` at `point` placed by `anchor`; `rotated` turns it 90°
    /// anticlockwise about the anchor point (for a y-axis title reading bottom to top).
    func text(_ text: String, at point: (x: Double, y: Double), _ style: TextStyle,
              anchor: TextAnchor = .center, rotated: Bool = false) {
        guard !text.isEmpty else { return }
        selectFont(style)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        var fontExtents = cairo_font_extents_t()
        cairo_font_extents(context, &fontExtents)
        let dx: Double
        switch anchor.horizontal {
        case .leading: dx = 0
        case .center: dx = -extents.x_advance / 2
        case .trailing: dx = -extents.x_advance
        }
        let dy: Double
        switch anchor.vertical {
        case .top: dy = capHeight(style)
        case .middle: dy = capHeight(style) / 2
        case .baseline: dy = 0
        case .bottom: dy = -fontExtents.descent
        }
        cairo_save(context)
        cairo_translate(context, point.x, point.y)
        if rotated { cairo_rotate(context, -Double.pi / 2) }
        setColor(style.color)
        cairo_move_to(context, dx, dy)
        cairo_show_text(context, text)
        cairo_restore(context)
    }

    // MARK: - Output

    /// The image encoded as PNG.
    func pngBytes() throws -> [UInt8] {
        cairo_surface_flush(surface)
        let sink = ByteSink()
        let status = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ComplexNMFError.numericalFailure(reason: "PNG encoding failed: \(String(cString: cairo_status_to_string(status)))")
        }
        return withExtendedLifetime(sink) { sink.bytes }
    }

    /// Writes the image as a PNG to `path` atomically (complete or not at all).
    /// - Throws: `ComplexNMFError.unwritableFile` when the directory is missing or unwritable.
    func writePNG(to path: String) throws {
        try AtomicFileWriter.write(pngBytes(), to: path)
    }
}

/// Collects the bytes cairo's PNG writer streams out.
private final class ByteSink {
    var bytes: [UInt8] = []
}
