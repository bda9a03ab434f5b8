/// Short-time Fourier transform settings. The defaults reproduce `librosa.stft` / `librosa.istft`
/// (`n_fft=2048, hop_length=512, window='hann', center=True, pad_mode='constant'`).
public struct STFTConfiguration: Sendable, Hashable, Codable {
    /// FFT length in samples (librosa `n_fft`). Default 2048 (93 ms at 22 050 Hz).
    public var fftSize: Int = 2048
    /// Hop between frames in samples (librosa `hop_length`). Default 512 (23 ms at 22 050 Hz).
    public var hopLength: Int = 512
    /// Window, as long as the FFT (librosa `window`, `win_length = n_fft`). Default periodic Hann.
    public var window: WindowFunction = .hann
    /// Pad `fftSize / 2` zeros at both ends so that frame t is centred on sample `t · hopLength`
    /// (librosa `center=True` with `pad_mode='constant'`). Default true.
    public var center: Bool = true

    /// The default configuration.
    public init() {}

    /// A configuration with the given settings.
    public init(fftSize: Int = 2048, hopLength: Int = 512, window: WindowFunction = .hann, center: Bool = true) {
        self.fftSize = fftSize
        self.hopLength = hopLength
        self.window = window
        self.center = center
    }

    /// Frequency bins per frame: `1 + fftSize / 2`.
    public var binCount: Int { 1 + fftSize / 2 }

    /// Zeros padded before the first sample (`fftSize / 2` when centred).
    public var padding: Int { center ? fftSize / 2 : 0 }

    /// Number of frames for a signal of `sampleCount` samples: `1 + sampleCount / hopLength` when
    /// centred (librosa), `1 + (sampleCount − fftSize) / hopLength` otherwise (0 if too short).
    public func frameCount(sampleCount: Int) -> Int {
        let padded = sampleCount + 2 * padding
        return padded < fftSize ? 0 : 1 + (padded - fftSize) / hopLength
    }

    /// The centre frequency of `bin` in Hz at `sampleRate`.
    public func frequency(ofBin bin: Int, sampleRate: Int) -> Double {
        Double(bin) * Double(sampleRate) / Double(fftSize)
    }

    /// Checks the settings: FFT size at least 2 and even, hop in 1…fftSize.
    /// - Throws: `ComplexNMFError.invalidParameter` naming the setting.
    public func validate() throws {
        guard fftSize >= 2, fftSize % 2 == 0, fftSize <= 1 << 20 else {
            throw ComplexNMFError.invalidParameter(name: "n-fft", value: "\(fftSize)", expectation: "must be an even number of samples between 2 and 1048576 (e.g. 2048)")
        }
        guard hopLength >= 1, hopLength <= fftSize else {
            throw ComplexNMFError.invalidParameter(name: "hop", value: "\(hopLength)", expectation: "must be between 1 and n-fft (\(fftSize)) samples (e.g. n-fft / 4)")
        }
    }
}
