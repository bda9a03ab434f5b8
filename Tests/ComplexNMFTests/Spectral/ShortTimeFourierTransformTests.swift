import Foundation
import Testing
@testable import ComplexNMF

@Suite struct ShortTimeFourierTransformTests {
    @Test(arguments: [
        (512, 128, WindowFunction.hann, 9_001),
        (1024, 256, .hamming, 9_000),
        (2048, 512, .hann, 22_050),
        (256, 100, .hann, 5_003),     // hop that does not divide n_fft
        (2048, 512, .hann, 700),      // shorter than n_fft
        (64, 64, .hann, 1_000),       // no overlap: zero envelope only where the window is 0
    ])
    func istftInvertsStft(fftSize: Int, hop: Int, window: WindowFunction, length: Int) throws {
        let signal = testNoise(count: length, seed: UInt64(fftSize + length))
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: fftSize, hopLength: hop, window: window))
        let restored = stft.inverse(stft.forward(signal), length: signal.count)
        #expect(restored.count == signal.count)
        // With hop == n_fft the periodic Hann window is 0 at each frame's first sample, and samples
        // after the last frame are covered by no frame: no reconstruction is possible there.
        let covered = (stft.configuration.frameCount(sampleCount: length) - 1) * hop + fftSize / 2
        let worst = zip(signal, restored).enumerated()
            .filter { $0.offset < covered && (hop < fftSize || window != .hann || ($0.offset + fftSize / 2) % hop != 0) }
            .map { abs($0.element.0 - $0.element.1) }.max() ?? 0
        // Without overlap each sample is x·w/w², so rounding is amplified where w is tiny.
        let tolerance: Float = hop == fftSize ? 1e-4 : 1e-5
        #expect(worst < tolerance, "max |x − istft(stft(x))| = \(worst)")
    }

    @Test func frameCountFollowsLibrosa() {
        let config = STFTConfiguration()
        #expect(config.binCount == 1025)
        #expect(config.frameCount(sampleCount: 0) == 1)
        #expect(config.frameCount(sampleCount: 511) == 1)
        #expect(config.frameCount(sampleCount: 512) == 2)
        #expect(config.frameCount(sampleCount: 22_050) == 44)
        #expect(STFTConfiguration(fftSize: 1024, hopLength: 256, center: false).frameCount(sampleCount: 1023) == 0)
    }

    @Test func defaultsAreLibrosasAndTheReadmes() {
        let config = STFTConfiguration()
        #expect(config.fftSize == 2048)
        #expect(config.hopLength == 512)
        #expect(config.window == .hann)
        #expect(config.center)
    }

    @Test func forwardMatchesNaiveDFT() throws {
        // Recompute a few frames with a direct O(n²) DFT in Double.
        let fftSize = 64, hop = 16
        let signal = testNoise(count: 300, seed: 7)
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: fftSize, hopLength: hop))
        let spectrogram = stft.forward(signal)
        let window = WindowFunction.hann.values(length: fftSize)
        var worst = 0.0
        for t in [0, 5, spectrogram.columns - 1] {
            for k in 0..<stft.configuration.binCount {
                var re = 0.0, im = 0.0
                for n in 0..<fftSize {
                    let s = t * hop - fftSize / 2 + n
                    let x = (s >= 0 && s < signal.count) ? Double(signal[s]) * Double(window[n]) : 0
                    re += x * cos(-2 * .pi * Double(k * n) / Double(fftSize))
                    im += x * sin(-2 * .pi * Double(k * n) / Double(fftSize))
                }
                worst = max(worst, abs(re - Double(spectrogram.real(k, t))), abs(im - Double(spectrogram.imaginary(k, t))))
            }
        }
        #expect(worst < 1e-5)
    }

    @Test func resultsDoNotDependOnThreadCount() throws {
        let signal = testNoise(count: 100_000, seed: 3)
        let stft = try ShortTimeFourierTransform()
        let one = stft.forward(signal, threadCount: 1)
        let two = stft.forward(signal, threadCount: 2)
        let five = stft.forward(signal, threadCount: 5)
        #expect(one == two)
        #expect(one == five)
        #expect(stft.inverse(one, length: signal.count, threadCount: 1) == stft.inverse(one, length: signal.count, threadCount: 3))
    }

    @Test func blockwiseForwardEqualsWholeSignal() throws {
        let signal = testNoise(count: 30_000, seed: 11)
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 1024, hopLength: 256))
        let whole = stft.forward(signal)
        let first = stft.forward(signal, frames: 0..<40)
        let rest = stft.forward(signal, frames: 40..<whole.columns)
        #expect(first.values + rest.values == whole.values)
    }

    @Test(arguments: [1, 7, 64, 1000])
    func streamingInverseEqualsBatchInverse(blockFrames: Int) throws {
        let signal = testNoise(count: 40_001, seed: 5)
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 1024, hopLength: 256))
        let spectrogram = stft.forward(signal)
        let batch = stft.inverse(spectrogram, length: signal.count)
        let synthesizer = OverlapAddSynthesizer(transform: stft, frameCount: spectrogram.columns, length: signal.count)
        var streamed: [Float] = []
        var t = 0
        while t < spectrogram.columns {
            let n = min(blockFrames, spectrogram.columns - t)
            let block = ComplexMatrix(rows: spectrogram.rows, columns: n,
                                      values: Array(spectrogram.values[(2 * spectrogram.rows * t)..<(2 * spectrogram.rows * (t + n))]))
            synthesizer.add(block)
            streamed += synthesizer.drainCompletedSamples()
            t += n
        }
        streamed += synthesizer.finish()
        #expect(streamed == batch)
    }

    @Test func inverseHonoursLongerAndShorterLengths() throws {
        let signal = testNoise(count: 5_000, seed: 9)
        let stft = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 512, hopLength: 128))
        let spectrogram = stft.forward(signal)
        let shorter = stft.inverse(spectrogram, length: 1_234)
        #expect(shorter.count == 1_234)
        let longer = stft.inverse(spectrogram, length: 8_000)
        #expect(longer.count == 8_000)
        let tail = longer[5_000...].map(abs).max()!
        // Past the signal only the last frames' window tails remain; dividing by their tiny
        // squared-window sum (as librosa does) amplifies float rounding, so "~0" means < 1e-2.
        #expect(tail < 1e-2, "samples after the signal's end should be ~0, max \(tail)")
        #expect(stft.inverse(spectrogram, length: 0).isEmpty)
    }

    @Test func invalidSettingsAreRefusedWithTheirNames() {
        #expect(throws: ComplexNMFError.self) { try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 1023)) }
        do {
            _ = try ShortTimeFourierTransform(configuration: STFTConfiguration(fftSize: 1024, hopLength: 0))
            Issue.record("hop 0 accepted")
        } catch let error as ComplexNMFError {
            #expect(error.description.contains("hop"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func silenceGivesZerosNotNaN() throws {
        let stft = try ShortTimeFourierTransform()
        let spectrogram = stft.forward([Float](repeating: 0, count: 10_000))
        #expect(spectrogram.values.allSatisfy { $0 == 0 })
        #expect(stft.inverse(spectrogram, length: 10_000).allSatisfy { $0 == 0 })
    }
}
