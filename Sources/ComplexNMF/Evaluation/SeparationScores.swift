import Foundation

/// The metrics of one reference source and the estimate matched to it, in dB.
///
/// A metric is `nil` when it is undefined (silent reference or estimate; see `BSSEval`), and may
/// be `±infinity` (e.g. SIR of a single source). In JSON, `nil` is `null` and infinities are the
/// strings `"inf"` / `"-inf"`, so any `JSONEncoder` can write them.
public struct SourceScores: Sendable, Hashable, Codable {
    /// Name of the reference source.
    public var name: String
    /// Index of the estimate scored against this reference (its own index unless the
    /// permutation search reordered them).
    public var estimate: Int
    /// Signal-to-distortion ratio in dB (BSS Eval, 512-tap filter by default).
    public var sdr: Double?
    /// Signal-to-interference ratio in dB.
    public var sir: Double?
    /// Signal-to-artifacts ratio in dB.
    public var sar: Double?
    /// Scale-invariant SDR in dB (no mean removal; see `ScaleInvariantSDR`).
    public var siSDR: Double?

    /// Scores of one source; values in dB, `nil` where undefined.
    public init(name: String, estimate: Int, sdr: Double?, sir: Double?, sar: Double?, siSDR: Double?) {
        self.name = name
        self.estimate = estimate
        self.sdr = sdr
        self.sir = sir
        self.sar = sar
        self.siSDR = siSDR
    }

    enum CodingKeys: String, CodingKey {
        case name, estimate, sdr, sir, sar, siSDR = "si_sdr"
    }

    /// Decodes numbers, `null`, and the strings `"inf"` / `"-inf"` (also `"Infinity"`).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        estimate = try container.decode(Int.self, forKey: .estimate)
        sdr = try Self.decodeDecibels(container, .sdr)
        sir = try Self.decodeDecibels(container, .sir)
        sar = try Self.decodeDecibels(container, .sar)
        siSDR = try Self.decodeDecibels(container, .siSDR)
    }

    /// Encodes finite values as numbers, infinities as `"inf"` / `"-inf"`, `nil` as `null`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(estimate, forKey: .estimate)
        for (key, value) in [(CodingKeys.sdr, sdr), (.sir, sir), (.sar, sar), (.siSDR, siSDR)] {
            switch value {
            case nil: try container.encodeNil(forKey: key)
            case let value? where value == .infinity: try container.encode("inf", forKey: key)
            case let value? where value == -.infinity: try container.encode("-inf", forKey: key)
            case let value?: try container.encode(value, forKey: key)
            }
        }
    }

    private static func decodeDecibels(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Double? {
        if try !container.contains(key) || container.decodeNil(forKey: key) { return nil }
        if let value = try? container.decode(Double.self, forKey: key) { return value }
        switch try container.decode(String.self, forKey: key) {
        case "inf", "+inf", "Infinity": return .infinity
        case "-inf", "-Infinity": return -.infinity
        case let text:
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "'\(text)' is not a number of dB, null, \"inf\" or \"-inf\"")
        }
    }
}

/// The scores of a whole separation: one `SourceScores` per reference source, in reference
/// order, and the format they were computed on. Written as JSON by `write(to:)`:
///
///     {"channels": 1, "filter_length": 512, "sample_rate": 22050, "samples": 220500,
///      "sources": [{"name": "piano", "estimate": 0, "sdr": 9.1, "sir": 15.2, "sar": 10.4, "si_sdr": 8.7}, …]}
public struct SeparationScores: Sendable, Hashable, Codable {
    /// Per reference source, in reference order.
    public var sources: [SourceScores]
    /// Sample rate of the signals in Hz.
    public var sampleRate: Int
    /// Channels evaluated (metrics are means over channels).
    public var channelCount: Int
    /// Samples per channel.
    public var sampleCount: Int
    /// Taps of the BSS Eval distortion filter.
    public var filterLength: Int

    /// Scores of a separation (normally made by `BSSEval.evaluate(references:estimates:names:configuration:)`).
    public init(sources: [SourceScores], sampleRate: Int, channelCount: Int, sampleCount: Int, filterLength: Int) {
        self.sources = sources
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.sampleCount = sampleCount
        self.filterLength = filterLength
    }

    enum CodingKeys: String, CodingKey {
        case sources, sampleRate = "sample_rate", channelCount = "channels", sampleCount = "samples"
        case filterLength = "filter_length"
    }

    /// `permutation[j]` = the estimate matched to reference `j` (mir_eval `perm`).
    public var permutation: [Int] { sources.map(\.estimate) }

    /// Mean over sources of each metric where defined (`nil` if defined for none), in dB.
    public var mean: (sdr: Double?, sir: Double?, sar: Double?, siSDR: Double?) {
        func average(_ values: [Double?]) -> Double? {
            let defined = values.compactMap { $0 }
            return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
        }
        return (average(sources.map(\.sdr)), average(sources.map(\.sir)), average(sources.map(\.sar)),
                average(sources.map(\.siSDR)))
    }

    /// Pretty-printed JSON with sorted keys (stable for diffs).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes `jsonData()` to `path` atomically (the file appears complete or not at all).
    /// - Throws: `ComplexNMFError.unwritableFile`.
    public func write(to path: String) throws {
        var bytes = [UInt8](try jsonData())
        bytes.append(UInt8(ascii: "\n"))
        try AtomicFileWriter.write(bytes, to: path)
    }
}
