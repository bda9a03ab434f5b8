import Foundation
import Testing
@testable import ComplexNMF

@Suite struct AudioFileTests {
    /// A signal exactly representable in PCM16 (multiples of 1/32768).
    func pcmExactSignal(channels: Int, frames: Int, rate: Int = 22_050) -> AudioSignal {
        AudioSignal(sampleRate: rate, channels: (0..<channels).map { c in
            testNoise(count: frames, seed: UInt64(c + 1)).map { ($0 * 32_768).rounded() / 32_768 }
        })
    }

    @Test(arguments: ["wav", "flac", "aiff"])
    func pcm16RoundTripIsExact(container: String) throws {
        let dir = TestPaths.temporaryDirectory()
        let path = "\(dir)/a.\(container)"
        let signal = pcmExactSignal(channels: 2, frames: 5_001)
        try AudioFile.write(signal, to: path)
        let back = try AudioFile.read(path)
        #expect(back == signal)
        #expect(TestPaths.contents(of: dir) == ["a.\(container)"], "no temporary file left behind")
    }

    @Test(arguments: ["wav", "aiff"])
    func floatRoundTripIsExact(container: String) throws {
        let path = "\(TestPaths.temporaryDirectory())/a.\(container)"
        let signal = AudioSignal(sampleRate: 48_000, channels: [testNoise(count: 3_000, seed: 2, amplitude: 3)])
        let clipped = try AudioFile.write(signal, to: path, encoding: .float32)
        #expect(clipped == 0)
        #expect(try AudioFile.read(path) == signal)
    }

    @Test func oggVorbisRoundTripKeepsTheSignal() throws {
        let path = "\(TestPaths.temporaryDirectory())/a.ogg"
        let tone = (0..<22_050).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 22_050)) }
        try AudioFile.write(AudioSignal(sampleRate: 22_050, channels: [tone]), to: path)
        let back = try AudioFile.read(path)
        #expect(back.sampleRate == 22_050 && back.channelCount == 1)
        #expect(abs(back.frameCount - tone.count) < 2_048)
        // Lossy codec: compare energies, not samples.
        let energy = { (x: [Float]) in x.reduce(0) { $0 + Double($1) * Double($1) } }
        #expect(abs(energy(back.channels[0]) / energy(tone) - 1) < 0.05)
    }

    @Test func pcm16ClippingIsCountedAndSaturates() throws {
        let path = "\(TestPaths.temporaryDirectory())/c.wav"
        let clipped = try AudioFile.write(AudioSignal(sampleRate: 8_000, channels: [[0.5, 1.5, -2, 0.999]]), to: path)
        #expect(clipped == 2)
        let back = try AudioFile.read(path).channels[0]
        #expect(back[1] == 32_767 / 32_768 && back[2] == -1)
    }

    @Test func sixChannelsAndExtremeRatesSurvive() throws {
        let dir = TestPaths.temporaryDirectory()
        for rate in [8_000, 192_000] {
            let signal = pcmExactSignal(channels: 6, frames: 1_000, rate: rate)
            try AudioFile.write(signal, to: "\(dir)/x\(rate).wav")
            let back = try AudioFile.read("\(dir)/x\(rate).wav")
            #expect(back == signal)
        }
    }

    @Test func readerReportsMetadata() throws {
        let path = "\(TestPaths.temporaryDirectory())/m.flac"
        try AudioFile.write(pcmExactSignal(channels: 2, frames: 777, rate: 44_100), to: path)
        let reader = try AudioFileReader(path: path)
        #expect(reader.sampleRate == 44_100 && reader.channelCount == 2 && reader.frameCount == 777)
    }

    @Test func missingFileDirectoryAndNonAudioAreClearErrors() throws {
        let dir = TestPaths.temporaryDirectory()
        let fake = "\(dir)/fake.wav"
        try Data("this is not audio at all, just text".utf8).write(to: URL(fileURLWithPath: fake))
        for (path, phrase) in [("\(dir)/missing.wav", "no such file"), (dir, "directory"), (fake, "not a readable audio file")] {
            do {
                _ = try AudioFile.read(path)
                Issue.record("\(path) was accepted")
            } catch let error as ComplexNMFError {
                #expect(error.description.contains(path) && error.description.contains(phrase), "\(error)")
            }
        }
    }

    @Test func truncatedWavIsReadAsFarAsItGoesOrRefused() throws {
        let dir = TestPaths.temporaryDirectory()
        let path = "\(dir)/t.wav"
        try AudioFile.write(pcmExactSignal(channels: 1, frames: 10_000), to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(30).write(to: URL(fileURLWithPath: "\(dir)/header-only.wav"))
        #expect(throws: ComplexNMFError.self) { try AudioFile.read("\(dir)/header-only.wav") }
    }

    @Test func nonFiniteFloatSamplesAreRefused() throws {
        let path = "\(TestPaths.temporaryDirectory())/nan.wav"
        try AudioFile.write(AudioSignal(sampleRate: 8_000, channels: [[0, .nan, 0.5]]), to: path, encoding: .float32)
        do {
            _ = try AudioFile.read(path)
            Issue.record("NaN accepted")
        } catch let error as ComplexNMFError {
            #expect(error.description.contains("sample 1"))
        }
    }

    @Test func unwritableDestinationLeavesNothing() throws {
        #expect(throws: ComplexNMFError.self) {
            try AudioFile.write(AudioSignal(sampleRate: 8_000, channels: [[0]]), to: "/nonexistent-dir/x.wav")
        }
        #expect(throws: ComplexNMFError.self) {
            try AudioFile.write(AudioSignal(sampleRate: 8_000, channels: [[0]]), to: "\(TestPaths.temporaryDirectory())/x.mp9")
        }
    }
}
