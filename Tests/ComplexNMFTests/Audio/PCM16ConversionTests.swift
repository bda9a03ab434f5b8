import CResynthesisKernel
import Foundation
import Testing
@testable import ComplexNMF

/// 16-bit PCM conversion (`rs_pcm16`, what `AudioFileWriter` writes) against its definition, one
/// sample at a time, in every build of the loops and for 1, 2 and 3 channels (mono and stereo
/// have loops of their own), at lengths around whole vectors of 8 and 16 samples.
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

    /// `count` samples in [-1.2, 1.2] with the special values spread over them.
    static func samples(_ count: Int, seed: UInt64) -> [Float] {
        var random = SeededRandomGenerator(seed: seed)
        var samples = (0..<count).map { _ in Float.random(in: -1.2...1.2, using: &random) }
        let specials: [Float] = [.nan, .infinity, -.infinity, 0.5 / 32_768, 1.5 / 32_768, -2.5 / 32_768,
                                 32_767.5 / 32_768, -32_768.5 / 32_768, 32_767.49 / 32_768, -1, 1]
        for (i, value) in specials.enumerated() where i < count { samples[(i * 7) % count] = value }
        return samples
    }

    /// `body` with a pointer to each array's elements.
    static func withPointers<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>?]) -> R) -> R {
        var pointers: [UnsafePointer<Float>?] = []
        func nest(_ i: Int) -> R {
            guard i < arrays.count else { return body(pointers) }
            return arrays[i].withUnsafeBufferPointer { array in
                pointers.append(array.baseAddress)
                return nest(i + 1)
            }
        }
        return nest(0)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 1000], KernelInstructionSet.allCases)
    func everyBuildMatchesTheScalarDefinition(count: Int, instructionSet: KernelInstructionSet) {
        for channels in 1...3 {
            let input = (0..<channels).map { Self.samples(count, seed: UInt64(count * 10 + $0)) }
            var out = [Int16](repeating: 0x5555, count: count * channels)
            let clipped = Self.withPointers(input) { rs_pcm16(instructionSet.level, Int32(count), Int32(channels), $0, &out) }
            var expected = [Int16](repeating: 0, count: count * channels), expectedClipped = 0
            for c in 0..<channels {
                for i in 0..<count {
                    let (value, clips) = Self.literal(input[c][i])
                    expected[i * channels + c] = value
                    expectedClipped += clips ? 1 : 0
                }
            }
            let mismatches = (0..<(count * channels)).filter { out[$0] != expected[$0] }
            #expect(mismatches.isEmpty, "\(instructionSet), \(channels) channels: \(mismatches.prefix(5).map { "at \($0): \(out[$0]) vs \(expected[$0])" })")
            #expect(Int(clipped) == expectedClipped, "\(instructionSet), \(channels) channels: clipped")
        }
    }

    @Test func theWriterConvertsThroughThePass() {
        let left = Self.samples(1000, seed: 7), right = Self.samples(1000, seed: 8)
        var out = [Int16](repeating: 0, count: 2000)
        let clipped = out.withUnsafeMutableBufferPointer { AudioFileWriter.convertToPCM16([left, right], into: $0.baseAddress!) }
        #expect(out == zip(left, right).flatMap { [Self.literal($0).0, Self.literal($1).0] })
        #expect(clipped == (left + right).filter { Self.literal($0).1 }.count)
    }
}
