import Foundation

extension ShortTimeFourierTransform {
    /// Writes the complex spectrogram of `channels` straight to a `.npy` file at `path`, block
    /// by block, without holding it: the file is byte-identical to writing
    /// `NPYArray(forward(channels[0]))` (one channel, shape `[binCount × frames]`) or
    /// `NPYArray(stacking: channels.map(forward))` (shape `[channels × binCount × frames]`),
    /// Fortran order as librosa.
    ///
    /// Frames are split over `threadCount` threads (default: all cores for long inputs); each
    /// thread transforms blocks of about 256 KiB of output and writes each with one positional
    /// write, so memory stays at a few blocks whatever the length and the values do not depend
    /// on the thread count. The file appears atomically when complete.
    /// - Parameters:
    ///   - channels: one array of samples per channel, all the same length.
    ///   - scalarType: `.complex64` (as librosa) or `.complex128`.
    /// - Returns: the array's shape.
    /// - Throws: `ComplexNMFError.unwritableFile` when the file cannot be created or written.
    @discardableResult
    public func writeSpectrogram(of channels: [[Float]], to path: String, scalarType: NPYScalarType = .complex64,
                                 threadCount: Int? = nil) throws -> [Int] {
        precondition(scalarType.isComplex && !channels.isEmpty, "writeSpectrogram needs a complex type and at least one channel")
        let length = channels[0].count
        precondition(channels.allSatisfy { $0.count == length }, "all channels must have the same length")
        let bins = configuration.binCount, channelCount = channels.count
        let frames = configuration.frameCount(sampleCount: length)
        let shape = channelCount == 1 ? [bins, frames] : [channelCount, bins, frames]
        let writer = try NPYStreamWriter(path: path, scalarType: scalarType, shape: shape)
        let frameReals = 2 * bins * channelCount  // reals per frame in the file
        let blockFrames = max(1, (1 << 18) / (4 * frameReals))
        let threads = Self.workerCount(frames: frames, threadCount: threadCount)
        let chunk = (frames + threads - 1) / max(1, threads)
        let failure = FirstFailure()
        withUnsafeBuffers(channels) { spans in
            runWorkers(threads) { worker in
                let lower = worker * chunk, upper = min(frames, lower + chunk)
                guard lower < upper else { return }
                let buffers = self.plan.makeBuffers()
                let block = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * frameReals)
                let scratch = channelCount > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * 2 * bins) : nil
                defer { block.deallocate(); scratch?.deallocate() }
                var t = lower
                while t < upper, failure.error == nil {
                    let range = t..<min(upper, t + blockFrames)
                    if let scratch {
                        // Fortran order [channels × bins × frames]: the channel varies fastest.
                        for (c, span) in spans.enumerated() {
                            self.transformFrames(range, of: SampleSpan(samples: span, firstIndex: 0), into: scratch,
                                                 columnStride: 2 * bins, buffers: buffers)
                            for j in 0..<(range.count * bins) {
                                block[2 * (j * channelCount + c)] = scratch[2 * j]
                                block[2 * (j * channelCount + c) + 1] = scratch[2 * j + 1]
                            }
                        }
                    } else {
                        self.transformFrames(range, of: SampleSpan(samples: spans[0], firstIndex: 0), into: block,
                                             columnStride: 2 * bins, buffers: buffers)
                    }
                    do {
                        try writer.write(UnsafeBufferPointer(start: block, count: range.count * frameReals), atReal: range.lowerBound * frameReals)
                    } catch {
                        failure.record(error)
                    }
                    t = range.upperBound
                }
            }
        }
        if let error = failure.error { throw error }
        try writer.finish()
        return shape
    }
}

/// Calls `body` with a buffer pointer to every array (all valid for the duration of the call).
private func withUnsafeBuffers<R>(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) throws -> R) rethrows -> R {
    func nest(_ index: Int, _ collected: [UnsafeBufferPointer<Float>]) throws -> R {
        if index == arrays.count { return try body(collected) }
        return try arrays[index].withUnsafeBufferPointer { try nest(index + 1, collected + [$0]) }
    }
    return try nest(0, [])
}
