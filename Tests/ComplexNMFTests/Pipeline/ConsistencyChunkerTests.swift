import Testing
@testable import ComplexNMF

/// The chunk grid of consistent Wiener filtering does not depend on how frames arrive.
@Suite struct ConsistencyChunkerTests {
    static func windows(blockSizes: [Int], frameCount: Int, chunk: Int = 10, margin: Int = 3) -> [ConsistencyChunker.Window] {
        var chunker = ConsistencyChunker(chunkFrames: chunk, marginFrames: margin, frameCount: frameCount)
        var out: [ConsistencyChunker.Window] = []
        var t = 0, b = 0
        while t < frameCount {
            let count = min(blockSizes[b % blockSizes.count], frameCount - t)
            // Frame t carries the value t everywhere, so slices can be checked.
            let y = ComplexMatrix(rows: 2, columns: count, values: (0..<count).flatMap { [Float](repeating: Float(t + $0), count: 4) })
            let u = RealMatrix(rows: 3, columns: count, values: (0..<count).flatMap { [Float](repeating: Float(t + $0), count: 3) })
            out += chunker.add(spectrogram: y, activations: u)
            t += count; b += 1
        }
        return out
    }

    @Test(arguments: [[1], [7], [64], [3, 11, 2], [1000]])
    func chunksCoverEveryFrameOnceWhateverTheBlocks(blockSizes: [Int]) {
        let frameCount = 47
        let windows = Self.windows(blockSizes: blockSizes, frameCount: frameCount)
        #expect(windows.map(\.chunk) == [0..<10, 10..<20, 20..<30, 30..<40, 40..<47])
        #expect(windows.map(\.frames) == [0..<13, 7..<23, 17..<33, 27..<43, 37..<47])
        for window in windows {
            #expect(window.spectrogram.values == window.frames.flatMap { [Float](repeating: Float($0), count: 4) })
            #expect(window.activations.values == window.frames.flatMap { [Float](repeating: Float($0), count: 3) })
        }
    }

    @Test func aSignalShorterThanOneChunkIsOneWindow() {
        let windows = Self.windows(blockSizes: [2], frameCount: 5)
        #expect(windows.map(\.chunk) == [0..<5] && windows.map(\.frames) == [0..<5])
    }
}
