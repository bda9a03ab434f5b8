import CSndFile

/// Container formats this package writes, chosen from the output file's extension.
public enum AudioContainer: String, Sendable, CaseIterable {
    case wav, flac, aiff, ogg

    /// The container for a path's extension (`.wav`, `.flac`, `.aif`/`.aiff`, `.ogg`/`.oga`),
    /// or `nil` for anything else.
    public init?(path: String) {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "aif", "aiff": self = .aiff
        case "ogg", "oga": self = .ogg
        default: return nil
        }
    }
}

/// How written samples are encoded.
public enum SampleEncoding: String, Sendable, CaseIterable, Codable {
    /// 16-bit integer PCM (the default): samples are scaled by 32 768, rounded and clipped to
    /// [-32 768, 32 767], so a PCM16 file read and written again is bit-identical.
    case pcm16
    /// 32-bit IEEE float (WAV/AIFF only); no clipping.
    case float32
}

extension AudioContainer {
    /// The libsndfile format code for this container and encoding.
    func formatCode(_ encoding: SampleEncoding) throws -> Int32 {
        switch (self, encoding) {
        case (.wav, .pcm16): return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case (.wav, .float32): return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case (.aiff, .pcm16): return Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16)
        case (.aiff, .float32): return Int32(SF_FORMAT_AIFF | SF_FORMAT_FLOAT)
        case (.flac, .pcm16): return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case (.ogg, _): return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        case (.flac, .float32):
            throw ComplexNMFError.invalidParameter(name: "encoding", value: "float32", expectation: "FLAC stores integers only: write .wav for 32-bit float output")
        }
    }
}
