import CSndFile
import Foundation

/// Reads any file libsndfile decodes (WAV PCM16/24/32/float, FLAC, OGG/Vorbis, AIFF, …) as
/// `Float` samples normalised like libsndfile (PCM16 / 32 768), block by block.
///
/// The handle is closed when the reader is released (`sf_open` is always matched by `sf_close`).
public final class AudioFileReader {
    /// The path the reader was opened on (used in error messages).
    public let path: String
    /// Sample rate in Hz.
    public let sampleRate: Int
    /// Number of channels.
    public let channelCount: Int
    /// Frames (samples per channel) in the file, as reported by the header.
    public let frameCount: Int
    private let handle: OpaquePointer

    /// Opens `path` for reading.
    /// - Throws: `ComplexNMFError.unreadableFile` for a missing file, a directory, or content
    ///   libsndfile cannot decode (its message is included); `.invalidContent` for a file
    ///   with no channels or a non-positive sample rate.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ComplexNMFError.unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw ComplexNMFError.unreadableFile(path: path, reason: "it is a directory, not an audio file")
        }
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            let reason = sndFileErrorMessage(nil)
            throw ComplexNMFError.unreadableFile(path: path, reason: "not a readable audio file (\(reason))")
        }
        guard info.channels > 0, info.samplerate > 0, info.frames >= 0 else {
            sf_close(handle)
            throw ComplexNMFError.invalidContent(path: path, reason: "audio header reports \(info.channels) channels at \(info.samplerate) Hz")
        }
        self.path = path
        self.handle = handle
        self.sampleRate = Int(info.samplerate)
        self.channelCount = Int(info.channels)
        self.frameCount = Int(info.frames)
        // Floating-point files: do not let libsndfile rescale them.
        sf_command(handle, Int32(SFC_SET_SCALE_FLOAT_INT_READ), nil, Int32(SF_FALSE))
    }

    deinit { sf_close(handle) }

    /// Reads up to `maximumFrames` frames, de-interleaved into one array per channel.
    /// Returns empty channels at the end of the file.
    /// - Throws: `ComplexNMFError.invalidContent` when a sample is NaN or infinite (possible
    ///   only in float files), `.unreadableFile` on a decoding error.
    public func read(maximumFrames: Int) throws -> [[Float]] {
        var interleaved = [Float](repeating: 0, count: maximumFrames * channelCount)
        let got = interleaved.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(maximumFrames)) }
        if got < 0 || (got == 0 && sf_error(handle) != 0) {
            throw ComplexNMFError.unreadableFile(path: path, reason: sndFileErrorMessage(handle))
        }
        let frames = Int(got)
        var channels = [[Float]](repeating: [Float](repeating: 0, count: frames), count: channelCount)
        for c in 0..<channelCount {
            channels[c].withUnsafeMutableBufferPointer { out in
                for i in 0..<frames { out[i] = interleaved[i * channelCount + c] }
            }
            if let bad = channels[c].firstIndex(where: { !$0.isFinite }) {
                throw ComplexNMFError.invalidContent(path: path, reason: "sample \(bad) of channel \(c) is \(channels[c][bad]); audio must be finite")
            }
        }
        return channels
    }

    /// Reads the rest of the file.
    public func readAll() throws -> AudioSignal {
        var channels = [[Float]](repeating: [], count: channelCount)
        for c in 0..<channelCount { channels[c].reserveCapacity(min(frameCount, 1 << 22)) }
        while true {
            let block = try read(maximumFrames: 65_536)
            if block[0].isEmpty { break }
            for c in 0..<channelCount { channels[c] += block[c] }
        }
        return AudioSignal(sampleRate: sampleRate, channels: channels)
    }
}

/// One-call audio reading and writing.
public enum AudioFile {
    /// Decodes a whole file (see `AudioFileReader`).
    public static func read(_ path: String) throws -> AudioSignal {
        try AudioFileReader(path: path).readAll()
    }

    /// Writes a whole signal atomically; the container comes from the extension
    /// (`.wav`, `.flac`, `.aiff`, `.ogg`).
    /// - Returns: the number of samples clipped to the PCM range (0 for float output).
    @discardableResult
    public static func write(_ signal: AudioSignal, to path: String, encoding: SampleEncoding = .pcm16) throws -> Int {
        let writer = try AudioFileWriter(path: path, sampleRate: signal.sampleRate, channelCount: signal.channelCount, encoding: encoding)
        try writer.write(signal.channels)
        try writer.finish()
        return writer.clippedSampleCount
    }
}
