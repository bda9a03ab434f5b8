import CCairo

/// An ARGB32 cairo image surface filled pixel by pixel (a heatmap at data resolution, a colour
/// bar), to be drawn scaled by `PlotCanvas.draw(_:in:smooth:)`. The surface is released in `deinit`.
final class RasterImage {
    let width: Int
    let height: Int
    /// The cairo surface (read by `PlotCanvas`).
    let surface: OpaquePointer

    /// An image of `width × height` pixels; `pixel(x, y)` gives the opaque `0xFFRRGGBB` colour
    /// of column `x`, row `y` (row 0 at the top). Throws if cairo cannot allocate the surface.
    init(width: Int, height: Int, pixel: (_ x: Int, _ y: Int) -> UInt32) throws {
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let base = cairo_image_surface_get_data(surface) else {
            let reason = String(cString: cairo_status_to_string(cairo_surface_status(surface)))
            cairo_surface_destroy(surface)
            throw ComplexNMFError.invalidParameter(name: "image size", value: "\(width)×\(height)", expectation: reason)
        }
        let stride = Int(cairo_image_surface_get_stride(surface))
        cairo_surface_flush(surface)
        for y in 0..<height {
            let row = UnsafeMutableRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width { row[x] = pixel(x, y) }
        }
        cairo_surface_mark_dirty(surface)
    }

    deinit {
        cairo_surface_destroy(surface)
    }
}
