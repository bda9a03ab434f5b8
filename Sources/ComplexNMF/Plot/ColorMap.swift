/// A sequential colour map: a value in 0…1 becomes a colour by linear interpolation between
/// evenly spaced control points.
///
/// `viridis` and `magma` are matplotlib's perceptually uniform maps (van der Walt & Smith, 2015,
/// CC0), sampled at 11 evenly spaced positions (0, 0.1, …, 1) of the published 256-entry tables;
/// interpolating between them stays within about 2/255 of the full tables.
public struct ColorMap: Sendable, Hashable {
    /// A short name ("viridis", "magma").
    public let name: String
    /// Colours at positions `i / (count − 1)`, `i = 0 ..< count` (at least two).
    public let controlPoints: [PlotColor]

    /// A colour map from at least two evenly spaced control points, low values first.
    public init(name: String, controlPoints: [PlotColor]) {
        precondition(controlPoints.count >= 2, "ColorMap '\(name)' needs at least two control points")
        self.name = name
        self.controlPoints = controlPoints
    }

    /// The colour at `position` (clamped to 0…1; NaN gives the lowest colour).
    public func color(at position: Double) -> PlotColor {
        let t = position.isNaN ? 0 : min(max(position, 0), 1)
        let scaled = t * Double(controlPoints.count - 1)
        let index = min(Int(scaled), controlPoints.count - 2)
        return controlPoints[index].mixed(with: controlPoints[index + 1], scaled - Double(index))
    }

    /// `count` ARGB32 pixels sampling the map evenly from 0 to 1 (a lookup table for images).
    func lookupTable(count: Int = 256) -> [UInt32] {
        (0..<count).map { color(at: Double($0) / Double(count - 1)).argb32 }
    }

    /// matplotlib's default map: dark blue-violet → teal → yellow.
    public static let viridis = ColorMap(name: "viridis", controlPoints: [
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C,
        0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725,
    ].map(PlotColor.init(hex:)))

    /// Black → purple → orange → pale yellow; good for spectrograms (silence is black).
    public static let magma = ColorMap(name: "magma", controlPoints: [
        0x000004, 0x140E36, 0x3B0F70, 0x641A80, 0x8C2981, 0xB73779,
        0xDE4968, 0xF7705C, 0xFE9F6D, 0xFECF92, 0xFCFDBF,
    ].map(PlotColor.init(hex:)))
}
