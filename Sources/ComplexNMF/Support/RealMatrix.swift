/// A dense real matrix of `Float`, stored column-major: element `(row, column)` is at
/// `values[column * rows + row]`.
///
/// Used for the basis `[bins × components]` (each template contiguous) and the activations
/// `[components × frames]` (each frame's activations contiguous).
public struct RealMatrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// `rows × columns` values, column-major.
    public var values: [Float]

    /// A matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix from column-major values (`values.count == rows × columns`).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "RealMatrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The element at `(row, column)`.
    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { values[column * rows + row] }
        set { values[column * rows + row] = newValue }
    }

    /// A copy of one column.
    public func column(_ index: Int) -> ArraySlice<Float> {
        values[(index * rows)..<((index + 1) * rows)]
    }
}

/// A dense complex matrix of `Float` pairs, stored column-major with interleaved `(re, im)`:
/// element `(row, column)` is at `values[2 * (column * rows + row)]` (real part) and the next
/// index (imaginary part).
///
/// A spectrogram is a `ComplexMatrix` of shape `[bins × frames]`; one frame's bins are
/// contiguous, which is numpy/librosa's Fortran-order layout of a complex64 array.
public struct ComplexMatrix: Equatable, Sendable {
    /// Number of rows (bins, for a spectrogram).
    public let rows: Int
    /// Number of columns (frames, for a spectrogram).
    public let columns: Int
    /// `2 × rows × columns` interleaved reals, column-major.
    public var values: [Float]

    /// A zero matrix.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: 0, count: 2 * rows * columns)
    }

    /// A matrix from interleaved column-major values (`values.count == 2 × rows × columns`).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == 2 * rows * columns, "ComplexMatrix: \(values.count) reals for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Real part of `(row, column)`.
    @inlinable public func real(_ row: Int, _ column: Int) -> Float { values[2 * (column * rows + row)] }
    /// Imaginary part of `(row, column)`.
    @inlinable public func imaginary(_ row: Int, _ column: Int) -> Float { values[2 * (column * rows + row) + 1] }

    /// Element-wise magnitudes `|x|` as a real matrix of the same shape.
    public func magnitudes() -> RealMatrix {
        var out = RealMatrix(rows: rows, columns: columns)
        values.withUnsafeBufferPointer { v in
            out.values.withUnsafeMutableBufferPointer { m in
                for i in 0..<m.count {
                    let re = Double(v[2 * i]), im = Double(v[2 * i + 1])
                    m[i] = Float((re * re + im * im).squareRoot())
                }
            }
        }
        return out
    }

    /// The largest magnitude (0 for an empty matrix).
    public func maximumMagnitude() -> Float { magnitudes().values.max() ?? 0 }
}
