import Foundation
import Testing
@testable import ComplexNMF

/// The streaming .npy paths of the STFT (`writeSpectrogram`, `SpectrogramFile`) against the
/// in-memory ones: same bytes, same samples, for every thread count.
@Suite struct SpectrogramFileTests {
    func scratchPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cnmf-\(UUID().uuidString)-\(name)").path
    }

    @Test(arguments: [(1, NPYScalarType.complex64), (2, .complex64), (3, .complex128)])
    func writtenSpectrogramIsByteIdenticalToNPYArrayWrite(channels: Int, scalarType: NPYScalarType) throws {
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 512, hopLength: 128))
        let signals = (0..<channels).map { testNoise(count: 20_011, seed: UInt64(40 + $0)) }
        let expected = scratchPath("expected.npy"), streamed = scratchPath("streamed.npy")
        defer { try? FileManager.default.removeItem(atPath: expected); try? FileManager.default.removeItem(atPath: streamed) }
        let matrices = signals.map { stft.forward($0) }
        try (channels == 1 ? NPYArray(matrices[0], scalarType: scalarType) : NPYArray(stacking: matrices, scalarType: scalarType)).write(to: expected)
        for threads in [1, 2, 5] {
            let shape = try stft.writeSpectrogram(of: signals, to: streamed, scalarType: scalarType, threadCount: threads)
            #expect(shape == (channels == 1 ? [257, matrices[0].columns] : [channels, 257, matrices[0].columns]))
            #expect(try Data(contentsOf: URL(fileURLWithPath: streamed)) == Data(contentsOf: URL(fileURLWithPath: expected)), "threads \(threads)")
        }
    }

    @Test(arguments: [1, 2])
    func inverseFromFileEqualsInverseOfMatrix(channels: Int) throws {
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 1024, hopLength: 256))
        let signals = (0..<channels).map { testNoise(count: 50_003, seed: UInt64(60 + $0)) }
        let path = scratchPath("spec.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try stft.writeSpectrogram(of: signals, to: path)
        let file = try SpectrogramFile(path: path)
        #expect(file.channelCount == channels && file.binCount == 513 && file.scalarType == .complex64)
        let expected = signals.map { stft.inverse(stft.forward($0), length: $0.count, threadCount: 1) }
        for threads in [1, 2, 3] {
            #expect(try stft.inverse(file, length: 50_003, threadCount: threads) == expected, "threads \(threads)")
        }
    }

    @Test func otherLayoutsAreReadWhole() throws {
        // C order and complex128 take the general path and give the same samples.
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 512, hopLength: 128))
        let signal = testNoise(count: 9_000, seed: 8)
        let spectrogram = stft.forward(signal)
        let path = scratchPath("wide.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NPYArray(spectrogram, scalarType: .complex128).write(to: path)
        let file = try SpectrogramFile(path: path)
        #expect(file.scalarType == .complex128)
        let expected = stft.inverse(ComplexMatrix(rows: spectrogram.rows, columns: spectrogram.columns,
                                                  values: spectrogram.values.map { Float(Double($0)) }), length: 9_000)
        #expect(try stft.inverse(file, length: 9_000) == [expected])
    }

    @Test(arguments: [(NPYScalarType.complex64, Float.nan), (.complex64, Float.infinity), (.complex128, -Float.infinity)])
    func nonFiniteValuesAreAnErrorNamingTheElement(scalarType: NPYScalarType, value: Float) throws {
        // complex64 is read straight from the file (frame blocks), complex128 through NPYArray.
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 256, hopLength: 64))
        var spectrogram = stft.forward(testNoise(count: 5_000, seed: 2))
        spectrogram.values[2 * (60 * 129 + 17) + 1] = value  // imaginary part of bin 17, frame 60
        let path = scratchPath("bad.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NPYArray(spectrogram, scalarType: scalarType).write(to: path)
        do {
            let file = try SpectrogramFile(path: path)
            _ = try stft.inverse(file, length: 5_000, threadCount: 2)
            Issue.record("no error")
        } catch let error as ComplexNMFError {
            #expect("\(error)".contains("[bin 17, frame 60]") && "\(error)".contains("bad.npy"), "\(error)")
        }
    }

    @Test func truncatedFileGivesNPYArraysError() throws {
        let path = scratchPath("short.npy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 256, hopLength: 64))
        try stft.writeSpectrogram(of: [testNoise(count: 2_000, seed: 1)], to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ComplexNMFError.self) { try SpectrogramFile(path: path) }
    }

    @Test func inverseIsIndependentOfThreadCountAndEqualsStreaming() throws {
        let stft = try ShortTimeFourierTransform()
        let signal = testNoise(count: 100_000, seed: 12)
        let spectrogram = stft.forward(signal)
        let one = stft.inverse(spectrogram, length: signal.count, threadCount: 1)
        for threads in [2, 3, 8] { #expect(stft.inverse(spectrogram, length: signal.count, threadCount: threads) == one) }
        let synthesizer = OverlapAddSynthesizer(transform: stft, frameCount: spectrogram.columns, length: signal.count)
        synthesizer.add(spectrogram, threadCount: 2)
        #expect(synthesizer.drainCompletedSamples() + synthesizer.finish() == one)
    }
}
