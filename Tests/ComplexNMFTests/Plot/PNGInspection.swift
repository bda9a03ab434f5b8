import CCairo
import Foundation

/// A decoded PNG for plot tests: pixels as opaque `0xRRGGBB` values, row-major from the top.
struct DecodedPNG {
    let width: Int
    let height: Int
    let pixels: [UInt32]

    /// Decodes `path` with cairo; nil when it is not a readable PNG.
    init?(path: String) {
        let surface = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else { return nil }
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        var pixels = [UInt32]()
        pixels.reserveCapacity(width * height)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width { pixels.append(row[x] & 0x00FF_FFFF) }
        }
        self.pixels = pixels
    }

    /// The pixel at column `x`, row `y`.
    func pixel(_ x: Int, _ y: Int) -> UInt32 { pixels[y * width + x] }

    /// How many pixels in `xs × ys` are within `tolerance` (per channel, 0…255) of `color`.
    func count(near color: UInt32, tolerance: Int = 24, xs: Range<Int>? = nil, ys: Range<Int>? = nil) -> Int {
        var count = 0
        for y in ys ?? 0..<height {
            for x in xs ?? 0..<width where Self.distance(pixel(x, y), color) <= tolerance { count += 1 }
        }
        return count
    }

    /// The largest per-channel difference of two `0xRRGGBB` colours.
    static func distance(_ a: UInt32, _ b: UInt32) -> Int {
        [16, 8, 0].map { abs(Int((a >> $0) & 0xFF) - Int((b >> $0) & 0xFF)) }.max()!
    }
}

/// The width and height stored in a PNG's IHDR chunk (bytes 16…23, big-endian), or nil when
/// the file does not start with the PNG signature and an IHDR chunk.
func pngDimensions(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
    guard bytes.count >= 24, bytes.starts(with: pngSignature), Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
    func bigEndian(_ offset: Int) -> Int { bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (bigEndian(16), bigEndian(20))
}

/// The eight bytes every PNG starts with.
let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// A fresh, empty temporary directory for one test (removed by `removePlotDirectory`).
func makePlotDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// Removes a directory made by `makePlotDirectory`.
func removePlotDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// The file bytes at `path`.
func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}
