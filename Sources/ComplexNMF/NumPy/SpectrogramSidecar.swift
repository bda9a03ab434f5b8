import Foundation

/// The JSON file written next to a spectrogram `.npy` (`spec.npy` → `spec.json`) so later steps
/// need no repeated flags. Keys use librosa's parameter names:
///
///     {"sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "window": "hann",
///      "center": true, "length": 55125, "channels": 1, "source": "mix.wav"}
public struct SpectrogramSidecar: Codable, Equatable, Sendable {
    /// Sample rate of the analysed audio in Hz.
    public var sampleRate: Int
    /// FFT length in samples (`n_fft`).
    public var fftSize: Int
    /// Hop in samples (`hop_length`).
    public var hopLength: Int
    /// Window name (`hann` or `hamming`).
    public var window: WindowFunction
    /// Whether frames are centred (`center`).
    public var center: Bool
    /// Samples per channel of the analysed audio (the ISTFT `length`).
    public var length: Int
    /// Channels in the `.npy` (1 when it is a 2-D `[bins × frames]` array).
    public var channels: Int
    /// The audio file the spectrogram was computed from.
    public var source: String

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate", fftSize = "n_fft", hopLength = "hop_length"
        case window, center, length, channels, source
    }

    /// A sidecar describing a spectrogram of `length` samples made with `configuration`.
    public init(configuration: STFTConfiguration, sampleRate: Int, length: Int, channels: Int, source: String) {
        self.sampleRate = sampleRate
        self.fftSize = configuration.fftSize
        self.hopLength = configuration.hopLength
        self.window = configuration.window
        self.center = configuration.center
        self.length = length
        self.channels = channels
        self.source = source
    }

    /// The STFT settings recorded in the sidecar.
    public var configuration: STFTConfiguration {
        STFTConfiguration(fftSize: fftSize, hopLength: hopLength, window: window, center: center)
    }

    /// The sidecar path for an `.npy` path: the same name with the extension `.json`.
    public static func path(forArray arrayPath: String) -> String {
        let url = URL(fileURLWithPath: arrayPath)
        return url.pathExtension.isEmpty ? arrayPath + ".json" : url.deletingPathExtension().appendingPathExtension("json").path
    }

    /// Reads the sidecar next to `arrayPath`, or returns `nil` when there is none.
    /// - Throws: `ComplexNMFError.invalidContent` when it exists but is malformed or holds
    ///   impossible values.
    public static func read(forArray arrayPath: String) throws -> SpectrogramSidecar? {
        let path = Self.path(forArray: arrayPath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try decode(try readFileBytes(path), path: path)
    }

    /// Parses and checks sidecar JSON bytes; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> SpectrogramSidecar {
        let sidecar: SpectrogramSidecar = try decodeSidecar(data, path: path)
        do { try sidecar.configuration.validate() } catch let error as ComplexNMFError {
            throw ComplexNMFError.invalidContent(path: path, reason: "sidecar holds invalid STFT settings: \(error)")
        }
        guard sidecar.sampleRate > 0, sidecar.length >= 0, sidecar.channels >= 1 else {
            throw ComplexNMFError.invalidContent(path: path, reason: "sidecar holds sample_rate \(sidecar.sampleRate), length \(sidecar.length), channels \(sidecar.channels); expected positive values")
        }
        return sidecar
    }

    /// Writes the sidecar next to `arrayPath` (atomically, pretty-printed, sorted keys).
    public func write(forArray arrayPath: String) throws {
        try encodeSidecar(self, path: Self.path(forArray: arrayPath))
    }
}
