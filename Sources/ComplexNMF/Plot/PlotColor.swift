/// An opaque sRGB colour for plots, each channel in 0…1.
public struct PlotColor: Sendable, Hashable {
    /// Red channel, 0…1.
    public var red: Double
    /// Green channel, 0…1.
    public var green: Double
    /// Blue channel, 0…1.
    public var blue: Double

    /// A colour from channels in 0…1 (values outside are clamped when drawn).
    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from a 24-bit `0xRRGGBB` literal, e.g. `PlotColor(hex: 0x1F77B4)`.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255,
                  green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255)
    }

    /// Linear interpolation `self + t·(other − self)`, `t` in 0…1.
    func mixed(with other: PlotColor, _ t: Double) -> PlotColor {
        PlotColor(red: red + t * (other.red - red),
                  green: green + t * (other.green - green),
                  blue: blue + t * (other.blue - blue))
    }

    /// The colour as an opaque ARGB32 pixel (`0xFFRRGGBB`, cairo's native-endian layout).
    var argb32: UInt32 {
        func channel(_ value: Double) -> UInt32 { UInt32((min(max(value, 0), 1) * 255).rounded()) }
        return 0xFF00_0000 | channel(red) << 16 | channel(green) << 8 | channel(blue)
    }

    /// The colours given to successive line-plot series (matplotlib's "tab10" order, which
    /// stays distinguishable for the common forms of colour blindness in its first four).
    public static let seriesPalette: [PlotColor] = [
        PlotColor(hex: 0x1F77B4), PlotColor(hex: 0xD62728), PlotColor(hex: 0x2CA02C),
        PlotColor(hex: 0xFF7F0E), PlotColor(hex: 0x9467BD), PlotColor(hex: 0x8C564B),
    ]
}
