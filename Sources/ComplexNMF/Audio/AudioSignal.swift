/// Decoded audio: one array of samples per channel, normalised to [-1, 1) as libsndfile does
/// (PCM16 values divided by 32 768).
public struct AudioSignal: Equatable, Sendable {
    /// Sample rate in Hz.
    public var sampleRate: Int
    /// Samples per channel, `[channels][frames]`; every channel has the same length.
    public var channels: [[Float]]

    /// Creates a signal; all channels must have the same length.
    public init(sampleRate: Int, channels: [[Float]]) {
        precondition(channels.dropFirst().allSatisfy { $0.count == channels[0].count }, "channels differ in length")
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Samples per channel.
    public var frameCount: Int { channels.first?.count ?? 0 }
    /// Number of channels.
    public var channelCount: Int { channels.count }
    /// Duration in seconds.
    public var duration: Double { Double(frameCount) / Double(sampleRate) }

    /// The average of all channels (a mono downmix).
    public func downmixed() -> [Float] {
        guard channelCount > 1 else { return channels.first ?? [] }
        var mix = [Float](repeating: 0, count: frameCount)
        for channel in channels { for i in 0..<frameCount { mix[i] += channel[i] } }
        let scale = 1 / Float(channelCount)
        for i in 0..<frameCount { mix[i] *= scale }
        return mix
    }
}
