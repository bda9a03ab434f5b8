import Foundation
import Testing
@testable import ComplexNMF

@Suite struct PCM16ConversionTests {
    /// The definition, one sample at a time: lrintf of x·32768 (ties to even), clipped; NaN → 0.
    static func literal(_ x: Float) -> (Int16, Bool) {
        if x.isNaN { return (0, false) }
        if x.isInfinite { return (x > 0 ? 32_767 : -32_768, true) }
        let r = Float(lrintf(x * 32_768))
        if r > 32_767 { return (32_767, true) }
        if r < -32_768 { return (-32_768, true) }
        return (Int16(r), false)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 1000])
    func vectorConversionMatchesTheScalarDefinition(count: Int) {
        var random = SeededRandomGenerator(seed: UInt64(count))
        var samples = (0..<count).map { _ in Float.random(in: -1.2...1.2, using: &random) }
        let specials: [Float] = [.nan, .infinity, -.infinity, 0.5 / 32_768, 1.5 / 32_768, -2.5 / 32_768,
                                 32_767.5 / 32_768, -32_768.5 / 32_768, 32_767.49 / 32_768, -1, 1]
        for (i, value) in specials.enumerated() where i < count { samples[(i * 7) % count] = value }
        var out = [Int16](repeating: 0, count: count)
        let clipped = AudioFileWriter.convertToPCM16(samples, into: &out)
        let expected = samples.map(Self.literal)
        let mismatches = (0..<count).filter { out[$0] != expected[$0].0 }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map { "x=\(samples[$0]): \(out[$0]) vs \(expected[$0].0)" })")
        #expect(clipped == expected.filter(\.1).count)
    }
}
