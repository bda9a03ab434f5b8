import Foundation

/// A fixed basis: one spectral template per column, `[bins × components]`, with a label per
/// column and the STFT settings it was learned with.
public struct Basis: Sendable, Equatable {
    /// Templates `H` `[bins × components]`, finite and ≥ 0 (columns of unit sum when learned here).
    public var templates: RealMatrix
    /// One label per column (e.g. `C4`, `C4#2` for a second column from the same recording).
    public var labels: [String]
    /// The STFT settings and sample rate the templates belong to.
    public var sidecar: BasisSidecar

    /// Number of components K.
    public var componentCount: Int { templates.columns }

    /// A basis with the given templates, labels and settings.
    public init(templates: RealMatrix, labels: [String], sidecar: BasisSidecar) {
        precondition(labels.count == templates.columns, "one label per column")
        self.templates = templates
        self.labels = labels
        self.sidecar = sidecar
    }

    /// Reads `basis.npy` and its sidecar `basis.json`. Without a sidecar the default STFT settings
    /// are assumed (they must fit the bin count), labels are `component0`, `component1`, …, and
    /// `note` tells the caller so (one line for stderr).
    /// - Throws: `ComplexNMFError` for unreadable files, invalid values (NaN/Inf/negative), a
    ///   sidecar that disagrees with the array, or a missing sidecar with a non-default bin count.
    public static func read(contentsOf path: String) throws -> (basis: Basis, note: String?) {
        let templates = try NPYArray.read(contentsOf: path).realMatrix(path: path)
        if let bad = templates.values.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ComplexNMFError.invalidContent(path: path, reason: "basis entry [bin \(bad % templates.rows), component \(bad / templates.rows)] is \(templates.values[bad]); a basis must be finite and ≥ 0")
        }
        if let sidecar = try BasisSidecar.read(forArray: path) {
            let sidecarPath = SpectrogramSidecar.path(forArray: path)
            guard sidecar.configuration.binCount == templates.rows else {
                throw ComplexNMFError.shapeMismatch(what: "'\(path)' bins", expected: "\(sidecar.configuration.binCount) (n_fft \(sidecar.fftSize) in '\(sidecarPath)')", actual: "\(templates.rows)", hint: "the sidecar does not belong to this basis")
            }
            guard sidecar.labels.count == templates.columns else {
                throw ComplexNMFError.shapeMismatch(what: "labels in '\(sidecarPath)'", expected: "\(templates.columns) (the basis columns)", actual: "\(sidecar.labels.count)", hint: "the sidecar does not belong to this basis")
            }
            return (Basis(templates: templates, labels: sidecar.labels, sidecar: sidecar), nil)
        }
        let sidecar = BasisSidecar(configuration: STFTConfiguration(), sampleRate: nil,
                                   labels: (0..<templates.columns).map { "component\($0)" }, sources: [], componentsPerFile: 1)
        guard sidecar.configuration.binCount == templates.rows else {
            throw ComplexNMFError.shapeMismatch(what: "'\(path)' bins", expected: "1025 (n_fft 2048, the default, since there is no sidecar '\(SpectrogramSidecar.path(forArray: path))')", actual: "\(templates.rows)",
                                                hint: "write a basis.json sidecar with \"n_fft\": \(2 * (templates.rows - 1)), or learn the basis with `cnmf basis`")
        }
        return (Basis(templates: templates, labels: sidecar.labels, sidecar: sidecar),
                "note: '\(path)' has no sidecar; assuming n_fft 2048, hop 512, hann and the input's sample rate")
    }

    /// Writes `basis.npy` (float32, `[bins × K]`) and its sidecar, each atomically.
    public func write(to path: String) throws {
        try NPYArray(templates).write(to: path)
        try sidecar.write(forArray: path)
    }
}

/// The JSON sidecar of a basis (`basis.npy` → `basis.json`):
///
///     {"labels": ["C4", "E4"], "sample_rate": 22050, "n_fft": 2048, "hop_length": 512,
///      "window": "hann", "center": true, "sources": ["notes/C4.wav", …], "components_per_file": 1}
public struct BasisSidecar: Codable, Equatable, Sendable {
    /// One label per basis column.
    public var labels: [String]
    /// Sample rate in Hz of the recordings the basis was learned from (`nil` when unknown).
    public var sampleRate: Int?
    /// FFT length (`n_fft`).
    public var fftSize: Int
    /// Hop (`hop_length`).
    public var hopLength: Int
    /// Window name.
    public var window: WindowFunction
    /// Centred frames.
    public var center: Bool
    /// The note recordings, in column order.
    public var sources: [String]
    /// Columns learned per recording.
    public var componentsPerFile: Int

    enum CodingKeys: String, CodingKey {
        case labels, sampleRate = "sample_rate", fftSize = "n_fft", hopLength = "hop_length", window, center, sources
        case componentsPerFile = "components_per_file"
    }

    /// A sidecar for a basis learned with `configuration`.
    public init(configuration: STFTConfiguration, sampleRate: Int?, labels: [String], sources: [String], componentsPerFile: Int) {
        self.labels = labels
        self.sampleRate = sampleRate
        self.fftSize = configuration.fftSize
        self.hopLength = configuration.hopLength
        self.window = configuration.window
        self.center = configuration.center
        self.sources = sources
        self.componentsPerFile = componentsPerFile
    }

    /// The STFT settings.
    public var configuration: STFTConfiguration {
        STFTConfiguration(fftSize: fftSize, hopLength: hopLength, window: window, center: center)
    }

    /// Reads the sidecar next to `arrayPath`, `nil` when absent.
    /// - Throws: `ComplexNMFError.invalidContent` for malformed JSON or impossible values.
    public static func read(forArray arrayPath: String) throws -> BasisSidecar? {
        let path = SpectrogramSidecar.path(forArray: arrayPath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try decode(try readFileBytes(path), path: path)
    }

    /// Parses and checks basis sidecar JSON bytes; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> BasisSidecar {
        let sidecar: BasisSidecar = try decodeSidecar(data, path: path)
        do { try sidecar.configuration.validate() } catch let error as ComplexNMFError {
            throw ComplexNMFError.invalidContent(path: path, reason: "sidecar holds invalid STFT settings: \(error)")
        }
        if let rate = sidecar.sampleRate, rate <= 0 {
            throw ComplexNMFError.invalidContent(path: path, reason: "sidecar sample_rate is \(rate); expected a positive rate in Hz")
        }
        return sidecar
    }

    /// Writes the sidecar next to `arrayPath`, atomically.
    public func write(forArray arrayPath: String) throws {
        try encodeSidecar(self, path: SpectrogramSidecar.path(forArray: arrayPath))
    }
}

/// Decodes a JSON sidecar with errors that name the file and the offending entry.
func decodeSidecar<T: Decodable>(path: String) throws -> T {
    try decodeSidecar(try readFileBytes(path), path: path)
}

/// Decodes JSON sidecar bytes; `path` names the file in errors.
func decodeSidecar<T: Decodable>(_ data: Data, path: String) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let DecodingError.keyNotFound(key, _) {
        throw ComplexNMFError.invalidContent(path: path, reason: "sidecar JSON has no \"\(key.stringValue)\" entry (delete the file or fix it)")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
        throw ComplexNMFError.invalidContent(path: path, reason: "sidecar JSON entry \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
    } catch let DecodingError.dataCorrupted(context) {
        let key = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw ComplexNMFError.invalidContent(path: path, reason: key.isEmpty ? "sidecar is not valid JSON" : "sidecar JSON entry \"\(key)\" has an invalid value")
    } catch {
        throw ComplexNMFError.invalidContent(path: path, reason: "sidecar is not valid JSON")
    }
}

/// Encodes a sidecar as pretty-printed JSON with sorted keys, atomically.
func encodeSidecar<T: Encodable>(_ value: T, path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try AtomicFileWriter.write([UInt8](try encoder.encode(value)) + [0x0A], to: path)
}
