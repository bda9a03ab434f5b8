import Foundation
import Testing
@testable import ComplexNMF

/// Replays the inputs kept in `Tests/Fuzz/Crashers/<target>/` (found by `scripts/fuzz.sh`) and a
/// set of mutated known-good files through the same readers the fuzz targets use.
@Suite struct FuzzRegressionTests {
    static func files(_ target: String) -> [String] {
        let dir = TestPaths.root.appendingPathComponent("Tests/Fuzz/Crashers/\(target)").path
        return TestPaths.contents(of: dir).filter { !$0.hasPrefix(".") }.map { "\(dir)/\($0)" }
    }

    @Test func npyCrashersAreRejectedCleanly() throws {
        for path in Self.files("fuzz-npy") {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if let array = try? NPYArray.decode(data, path: path) { _ = try? array.complexMatrices(path: path) }
        }
    }

    @Test func sidecarCrashersAreRejectedCleanly() throws {
        for path in Self.files("fuzz-sidecar") {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            _ = try? SpectrogramSidecar.decode(data, path: path)
            _ = try? BasisSidecar.decode(data, path: path)
        }
    }

    @Test func spectrogramFileCrashersAreRejectedCleanly() throws {
        let transform = try ShortTimeFourierTransform(configuration: STFTConfiguration())
        for path in Self.files("fuzz-spectrogram-file") {
            if let file = try? SpectrogramFile(path: path), file.binCount == transform.configuration.binCount, file.frameCount * file.channelCount < 64 {
                _ = try? transform.inverse(file, length: 512 * file.frameCount, threadCount: 2)
            }
        }
    }

    @Test func audioCrashersAreRejectedCleanly() throws {
        for path in Self.files("fuzz-audio") { _ = try? AudioFileReader(path: path).read(maximumFrames: 4_096) }
    }

    /// Every prefix and many single-byte corruptions of a valid .npy are read or refused with an error.
    @Test func truncatedAndCorruptedNPYNeverCrash() throws {
        let valid = try Data(contentsOf: URL(fileURLWithPath: TestPaths.golden("foundation/npy_c8_F_2x3x4.npy")))
        for length in 0..<valid.count { _ = try? NPYArray.decode(valid.prefix(length), path: "prefix") }
        var generator = SeededRandomGenerator(seed: 1)
        for _ in 0..<2_000 {
            var bytes = [UInt8](valid)
            bytes[Int(generator.next() % UInt64(min(bytes.count, 128)))] = UInt8(truncatingIfNeeded: generator.next())
            _ = try? NPYArray.decode(Data(bytes), path: "mutated")
        }
    }

    /// Truncated WAV and FLAC files are decoded as far as they go or refused, never crash.
    @Test(arguments: ["wav", "flac"])
    func truncatedAudioNeverCrashes(container: String) throws {
        let dir = TestPaths.temporaryDirectory()
        let path = "\(dir)/full.\(container)"
        try AudioFile.write(AudioSignal(sampleRate: 22_050, channels: [testNoise(count: 20_000, seed: 3)]), to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for fraction in [0.0, 0.01, 0.1, 0.5, 0.9, 0.999] {
            let cut = "\(dir)/cut.\(container)"
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: cut))
            if let signal = try? AudioFile.read(cut) { #expect(signal.channels[0].allSatisfy { $0.isFinite }) }
        }
    }
}
