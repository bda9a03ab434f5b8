/// A fixed-size summary of a long `[rows × frames]` magnitude image for plots: frames are
/// max-pooled into at most `maximumColumns` columns as they arrive, so memory does not grow
/// with duration.
public struct PooledMagnitudes: Sendable {
    /// Rows (bins or components).
    public let rows: Int
    /// Frames pooled into one column.
    public let framesPerColumn: Int
    /// The pooled image `[rows × columns]`.
    public private(set) var image: RealMatrix

    /// An empty summary of `frames` frames.
    public init(rows: Int, frames: Int, maximumColumns: Int = 1_600) {
        self.rows = rows
        framesPerColumn = max(1, (frames + maximumColumns - 1) / maximumColumns)
        image = RealMatrix(rows: rows, columns: max(1, (frames + framesPerColumn - 1) / framesPerColumn))
    }

    /// Adds the magnitudes of frame `frame` (`rows` values).
    public mutating func add(frame: Int, values: UnsafeBufferPointer<Float>) {
        let column = min(image.columns - 1, frame / framesPerColumn)
        image.values.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows { out[column * rows + r] = max(out[column * rows + r], values[r]) }
        }
    }

    /// Adds every frame of a `[rows × frames]` complex block (magnitudes) starting at `firstFrame`.
    public mutating func add(_ block: ComplexMatrix, firstFrame: Int) {
        let m = block.magnitudes()
        m.values.withUnsafeBufferPointer { v in
            for t in 0..<m.columns { add(frame: firstFrame + t, values: UnsafeBufferPointer(rebasing: v[(t * rows)..<((t + 1) * rows)])) }
        }
    }

    /// Adds every frame of a `[rows × frames]` real block starting at `firstFrame`.
    public mutating func add(_ block: RealMatrix, firstFrame: Int) {
        block.values.withUnsafeBufferPointer { v in
            for t in 0..<block.columns { add(frame: firstFrame + t, values: UnsafeBufferPointer(rebasing: v[(t * rows)..<((t + 1) * rows)])) }
        }
    }
}
