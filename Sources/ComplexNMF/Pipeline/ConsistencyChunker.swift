/// Regroups a stream of frame blocks into the fixed chunks of consistent Wiener filtering.
///
/// Chunk `c` owns frames `[c·chunkFrames, (c+1)·chunkFrames)` (clipped to the signal) and is
/// solved over its *window*, the chunk plus `marginFrames` on each side (clipped). The grid
/// starts at frame 0 and ignores how frames arrive, so results do not depend on the block
/// size. Holds at most one window plus one incoming block: the mixture `[bins × frames]` and
/// the activations `[K × frames]` of each buffered frame.
struct ConsistencyChunker {
    /// A chunk ready to be solved.
    struct Window {
        /// Frames whose outputs this solve produces.
        let chunk: Range<Int>
        /// Frames solved (the chunk and its margins).
        let frames: Range<Int>
        /// The mixture over `frames`.
        let spectrogram: ComplexMatrix
        /// The activations over `frames`.
        let activations: RealMatrix
    }

    let chunkFrames: Int
    let marginFrames: Int
    /// Frames of the whole signal.
    let frameCount: Int
    private(set) var nextChunkStart = 0
    private var bufferStart = 0
    private var received = 0
    private var spectrogram: [Float] = []
    private var activations: [Float] = []
    private var bins = 0
    private var components = 0

    init(chunkFrames: Int, marginFrames: Int, frameCount: Int) {
        self.chunkFrames = chunkFrames
        self.marginFrames = marginFrames
        self.frameCount = frameCount
    }

    /// Appends the next block of frames (in order) and returns every window that became complete.
    mutating func add(spectrogram y: ComplexMatrix, activations u: RealMatrix) -> [Window] {
        precondition(y.columns == u.columns, "block shapes")
        if received == 0 { bins = y.rows; components = u.rows }
        precondition(y.rows == bins && u.rows == components, "block shapes")
        spectrogram += y.values
        activations += u.values
        received += y.columns
        var windows: [Window] = []
        while nextChunkStart < frameCount {
            let chunk = nextChunkStart..<min(frameCount, nextChunkStart + chunkFrames)
            let frames = max(0, chunk.lowerBound - marginFrames)..<min(frameCount, chunk.upperBound + marginFrames)
            guard received >= frames.upperBound else { break }
            let first = frames.lowerBound - bufferStart
            let y = ComplexMatrix(rows: bins, columns: frames.count,
                                  values: Array(spectrogram[(2 * bins * first)..<(2 * bins * (first + frames.count))]))
            let u = RealMatrix(rows: components, columns: frames.count,
                               values: Array(activations[(components * first)..<(components * (first + frames.count))]))
            windows.append(Window(chunk: chunk, frames: frames, spectrogram: y, activations: u))
            nextChunkStart = chunk.upperBound
            // Frames before the next window are no longer needed.
            let keepFrom = min(received, max(bufferStart, nextChunkStart - marginFrames))
            let drop = keepFrom - bufferStart
            if drop > 0 {
                spectrogram.removeFirst(2 * bins * drop)
                activations.removeFirst(components * drop)
                bufferStart = keepFrom
            }
        }
        return windows
    }
}
