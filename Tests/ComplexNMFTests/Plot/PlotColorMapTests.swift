import Testing
@testable import ComplexNMF

@Suite("Plot: colour maps")
struct PlotColorMapTests {
    @Test func colorMapsMatchPublishedValues() {
        #expect(ColorMap.viridis.color(at: 0).argb32 & 0xFFFFFF == 0x440154)
        #expect(ColorMap.viridis.color(at: 1).argb32 & 0xFFFFFF == 0xFDE725)
        #expect(ColorMap.viridis.color(at: 0.5).argb32 & 0xFFFFFF == 0x21918C)
        #expect(ColorMap.magma.color(at: 0).argb32 & 0xFFFFFF == 0x000004)
        #expect(ColorMap.magma.color(at: 0.5).argb32 & 0xFFFFFF == 0xB73779)
        #expect(ColorMap.magma.color(at: 1).argb32 & 0xFFFFFF == 0xFCFDBF)
    }

    @Test func positionsOutsideTheMapAreClamped() {
        #expect(ColorMap.magma.color(at: -3) == ColorMap.magma.color(at: 0))
        #expect(ColorMap.magma.color(at: 7) == ColorMap.magma.color(at: 1))
        #expect(ColorMap.magma.color(at: .nan) == ColorMap.magma.color(at: 0))
    }

    @Test(arguments: [ColorMap.viridis, ColorMap.magma])
    func lightnessIncreasesAlongTheMap(map: ColorMap) {
        // Perceptual maps are monotonic in lightness; luma is a fair proxy at this resolution.
        let luma = (0...20).map { i -> Double in
            let c = map.color(at: Double(i) / 20)
            return 0.299 * c.red + 0.587 * c.green + 0.114 * c.blue
        }
        #expect(zip(luma, luma.dropFirst()).allSatisfy { $0 < $1 }, "\(luma)")
    }
}
