import Foundation
import Testing
@testable import ComplexNMF

/// The STFT and ISTFT against librosa (`Tests/Golden/make_foundation_golden.py`):
/// within 1e-5 × max|S|, the precision contract.
@Suite struct STFTGoldenTests {
    nonisolated(unsafe) static let manifest = try! GoldenManifest("foundation")
    nonisolated(unsafe) static let cases = manifest.root.list("stft_cases")
    static let names = cases.map { $0.string("name") }

    func load(_ name: String) throws -> (config: STFTConfiguration, samples: [[Float]], stft: [ComplexMatrix], istft: [[Float]], entry: [String: Any]) {
        let entry = Self.cases.first { $0.string("name") == name }!
        let params = entry.dict("params")
        let config = STFTConfiguration(fftSize: params.int("n_fft"), hopLength: params.int("hop_length"),
                                       window: WindowFunction(rawValue: params.string("window"))!)
        let files = entry.dict("files")
        func rows(_ key: String) throws -> [[Float]] {
            let array = try NPYArray.read(contentsOf: Self.manifest.path(files.dict(key).string("file")))
            let values = array.realValuesInCOrder().map(Float.init)
            let length = array.shape.last!
            return stride(from: 0, to: values.count, by: length).map { Array(values[$0..<($0 + length)]) }
        }
        let stft = try NPYArray.read(contentsOf: Self.manifest.path(files.dict("stft").string("file"))).complexMatrices(path: name)
        return (config, try rows("samples"), stft, try rows("istft"), entry)
    }

    @Test(arguments: names)
    func forwardMatchesLibrosa(name: String) throws {
        let golden = try load(name)
        let stft = try ShortTimeFourierTransform(configuration: golden.config)
        for (channel, samples) in golden.samples.enumerated() {
            let ours = stft.forward(samples)
            let reference = golden.stft[channel]
            #expect(ours.rows == reference.rows && ours.columns == reference.columns)
            let scale = Double(reference.maximumMagnitude())
            let worst = zip(ours.values, reference.values).map { abs(Double($0) - Double($1)) }.max()!
            #expect(worst <= 1e-5 * scale, "\(name) channel \(channel): max error \(worst), max|S| \(scale)")
        }
    }

    @Test(arguments: names)
    func inverseMatchesLibrosa(name: String) throws {
        let golden = try load(name)
        let stft = try ShortTimeFourierTransform(configuration: golden.config)
        for (channel, reference) in golden.istft.enumerated() {
            let ours = stft.inverse(golden.stft[channel], length: reference.count)
            let scale = Double(reference.map(abs).max()!)
            let worst = zip(ours, reference).map { abs(Double($0) - Double($1)) }.max()!
            #expect(worst <= 1e-5 * scale, "\(name) channel \(channel): max error \(worst)")
        }
    }

    @Test(arguments: names)
    func fixtureDecodesLikeSoundfile(name: String) throws {
        let golden = try load(name)
        let input = golden.entry.dict("input")
        guard input.string("kind") == "fixture" else { return }
        let signal = try AudioFile.read(TestPaths.root.appendingPathComponent(input.string("file")).path)
        #expect(signal.sampleRate == input.int("sample_rate"))
        let first = input.int("first_sample"), count = input.int("sample_count")
        for (channel, samples) in golden.samples.enumerated() {
            #expect(Array(signal.channels[channel][first..<(first + count)]) == samples)
        }
    }
}
