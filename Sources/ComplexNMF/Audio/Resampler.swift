import CSoxr

/// Streaming sample-rate conversion with libsoxr at its "HQ" quality (librosa's default
/// `res_type='soxr_hq'`). Feed blocks with `process`, then `finish` for the tail; the output
/// has `round(frames · outputRate / inputRate)` frames in total.
public final class Resampler {
    /// Input rate in Hz.
    public let inputRate: Int
    /// Output rate in Hz.
    public let outputRate: Int
    /// Channels per frame.
    public let channelCount: Int
    private let handle: soxr_t

    /// Creates a resampler.
    /// - Throws: `ComplexNMFError.invalidParameter` when soxr refuses the rates.
    public init(inputRate: Int, outputRate: Int, channelCount: Int) throws {
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        guard let handle = soxr_create(Double(inputRate), Double(outputRate), UInt32(channelCount), &error, &io, &quality, nil), error == nil else {
            throw ComplexNMFError.invalidParameter(name: "sample rate", value: "\(inputRate) → \(outputRate) Hz", expectation: "rates libsoxr can convert between")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channelCount = channelCount
        self.handle = handle
    }

    deinit { soxr_delete(handle) }

    /// Converts a block (one array per channel) and returns what is ready.
    public func process(_ channels: [[Float]]) -> [[Float]] {
        run(channels, final: false)
    }

    /// Flushes the converter's delay line; call once after the last block.
    public func finish() -> [[Float]] {
        run([[Float]](repeating: [], count: channelCount), final: true)
    }

    private func run(_ channels: [[Float]], final: Bool) -> [[Float]] {
        let frames = channels.first?.count ?? 0
        if frames == 0 && !final { return [[Float]](repeating: [], count: channelCount) }
        var interleaved = [Float](repeating: 0, count: frames * channelCount)
        for (c, channel) in channels.enumerated() { for i in 0..<frames { interleaved[i * channelCount + c] = channel[i] } }
        let capacity = Int(Double(frames) * Double(outputRate) / Double(inputRate)) + 1024
        var output: [Float] = []
        var buffer = [Float](repeating: 0, count: capacity * channelCount)
        var consumed = 0
        repeat {
            var used = 0, produced = 0
            interleaved.withUnsafeBufferPointer { input in
                buffer.withUnsafeMutableBufferPointer { out in
                    let inputPointer = final ? nil : UnsafeRawPointer(input.baseAddress! + consumed * channelCount)
                    _ = soxr_process(handle, inputPointer, final ? 0 : frames - consumed, &used, out.baseAddress, capacity, &produced)
                }
            }
            consumed += used
            output += buffer[0..<(produced * channelCount)]
            if produced == 0 && (final || consumed >= frames) { break }
        } while true
        let outFrames = output.count / channelCount
        return (0..<channelCount).map { c in (0..<outFrames).map { output[$0 * channelCount + c] } }
    }
}
