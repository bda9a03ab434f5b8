import CResynthesisKernel
import CSndFile

/// Writes audio through libsndfile, block by block, into a temporary file that is renamed to
/// `path` by `finish()`; an unfinished writer leaves nothing behind.
///
/// PCM16 output: samples are scaled by 32 768 (the inverse of libsndfile's read
/// normalisation), rounded to nearest (ties to even, like libsndfile's lrintf) and clipped to [-32 768, 32 767]; clipped samples are
/// counted in `clippedSampleCount`. Float output stores the values as they are.
public final class AudioFileWriter {
    /// Destination path.
    public let path: String
    /// Channels per frame.
    public let channelCount: Int
    /// The sample encoding.
    public let encoding: SampleEncoding
    /// Samples (over all channels) that were outside the PCM range and clipped so far.
    public private(set) var clippedSampleCount = 0
    /// Frames written so far.
    public private(set) var framesWritten = 0
    private let file: AtomicFileWriter
    private var handle: OpaquePointer?

    /// Creates the (temporary) output file.
    /// - Throws: `.invalidParameter` for an unsupported extension or encoding,
    ///   `.unwritableFile` when the directory is missing or not writable.
    public init(path: String, sampleRate: Int, channelCount: Int, encoding: SampleEncoding = .pcm16) throws {
        guard let container = AudioContainer(path: path) else {
            throw ComplexNMFError.invalidParameter(name: "output file", value: "'\(path)'", expectation: "the extension must be .wav, .flac, .aiff or .ogg")
        }
        guard channelCount > 0, sampleRate > 0 else {
            throw ComplexNMFError.invalidParameter(name: "audio format", value: "\(channelCount) channels at \(sampleRate) Hz", expectation: "at least one channel and a positive rate")
        }
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channelCount)
        info.format = try container.formatCode(encoding)
        guard sf_format_check(&info) != 0 else {
            throw ComplexNMFError.invalidParameter(name: "audio format", value: "\(container.rawValue) \(encoding.rawValue), \(channelCount) channels at \(sampleRate) Hz", expectation: "a combination libsndfile can write")
        }
        self.path = path
        self.channelCount = channelCount
        self.encoding = container == .ogg ? .float32 : encoding
        self.file = try AtomicFileWriter(destination: path)
        guard let handle = sf_open_fd(file.descriptor, Int32(SFM_WRITE), &info, Int32(SF_FALSE)) else {
            throw ComplexNMFError.unwritableFile(path: path, reason: sndFileErrorMessage(nil))
        }
        self.handle = handle
    }

    deinit { if let handle { sf_close(handle) } }

    /// Appends frames given as one array per channel (all the same length).
    public func write(_ channels: [[Float]]) throws {
        precondition(channels.count == channelCount, "expected \(channelCount) channels")
        let frames = channels.first?.count ?? 0
        guard frames > 0, let handle else { return }
        let written: sf_count_t
        switch encoding {
        case .pcm16:
            precondition(channels.allSatisfy { $0.count == frames }, "channels of different lengths")
            var clipped = 0
            // Every value is written by the conversion.
            let samples = [Int16](unsafeUninitializedCapacity: frames * channelCount) { out, initialized in
                clipped = Self.convertToPCM16(channels, into: out.baseAddress!)
                initialized = frames * channelCount
            }
            clippedSampleCount += clipped
            written = samples.withUnsafeBufferPointer { sf_writef_short(handle, $0.baseAddress, sf_count_t(frames)) }
        case .float32:
            var samples = [Float](repeating: 0, count: frames * channelCount)
            for (c, channel) in channels.enumerated() { Self.interleave(channel, channel: c, of: channelCount, into: &samples) }
            written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(frames)) }
        }
        guard written == sf_count_t(frames) else {
            throw ComplexNMFError.unwritableFile(path: path, reason: sndFileErrorMessage(handle))
        }
        framesWritten += frames
    }

    /// Writes `values` (one channel, `frames` values) to `samples[i · channels + channel]`
    /// (interleaved, `frames · channels` values), without per-element bounds checks.
    private static func interleave<Sample>(_ values: [Sample], channel: Int, of channels: Int, into samples: inout [Sample]) {
        precondition(samples.count == values.count * channels && channel < channels, "interleave shapes")
        values.withUnsafeBufferPointer { source in
            samples.withUnsafeMutableBufferPointer { target in
                // A moving pointer: no checked multiplication per sample.
                var out = target.baseAddress! + channel
                for value in source {
                    out.pointee = value
                    out += channels
                }
            }
        }
    }

    /// Scales the samples of `channels` (one array per channel, all of one length n) by 32 768,
    /// rounds to nearest (ties to even, like libsndfile's lrintf), clips to [-32 768, 32 767] and
    /// writes them interleaved to `out` (`n · channels.count` values, out[i · channels + c]);
    /// NaN becomes 0. Returns how many samples were clipped. One C pass (`rs_pcm16`, 16 or 8
    /// samples at a time where the CPU has AVX-512 or AVX2).
    static func convertToPCM16(_ channels: [[Float]], into out: UnsafeMutablePointer<Int16>) -> Int {
        let frames = channels.first?.count ?? 0
        precondition(channels.allSatisfy { $0.count == frames }, "channels of different lengths")
        var pointers: [UnsafePointer<Float>?] = []
        func convert(from c: Int) -> Int {
            guard c < channels.count else {
                return Int(rs_pcm16(CNMF_LEVEL_AUTOMATIC, Int32(frames), Int32(channels.count), pointers, out))
            }
            return channels[c].withUnsafeBufferPointer { channel in
                pointers.append(channel.baseAddress)
                return convert(from: c + 1)
            }
        }
        return frames == 0 ? 0 : convert(from: 0)
    }

    /// Finalises the header, closes the file and renames it into place.
    public func finish() throws {
        guard let handle else { return }
        sf_write_sync(handle)
        let status = sf_close(handle)
        self.handle = nil
        guard status == 0 else {
            throw ComplexNMFError.unwritableFile(path: path, reason: String(cString: sf_error_number(status)))
        }
        try file.commit()
    }
}
