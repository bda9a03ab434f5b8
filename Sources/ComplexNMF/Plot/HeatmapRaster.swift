import Foundation

/// A panel's matrix reduced to at most the pixels it will cover, in display units (values or
/// dB), with the value range the colours span.
///
/// Columns and rows beyond the pixel count are max-pooled, so a peak in any frame stays visible.
/// Building one reads the matrix once (O(rows × columns) time) and keeps O(pixels) memory, so a
/// 1025 × 26 000 spectrogram costs a single pass over its values.
struct HeatmapRaster {
    /// Columns (≤ the pixel width asked for).
    let columns: Int
    /// Rows (≤ the pixel height asked for).
    let rows: Int
    /// `rows × columns` display values, column-major, row 0 = matrix row 0. NaN = no finite
    /// value; −∞ = below the colour range. (Float like the matrices: dB values and colour
    /// indices need no more precision.)
    let values: [Float]
    /// The display value shown with the lowest colour.
    let lower: Double
    /// The display value shown with the highest colour.
    let upper: Double

    /// Pools `matrix` into at most `maximumColumns × maximumRows` cells and converts them to
    /// display units with `scale`. Pooling before converting is exact for the dB scales because
    /// max commutes with the monotonic dB conversion. The colour range is that of the pooled
    /// cells (for `.linear`, the smallest shown cell, which may exceed the smallest value).
    init(_ matrix: RealMatrix, scale: HeatmapPanel.ValueScale, maximumColumns: Int, maximumRows: Int) {
        let pooled = Self.maxPooled(matrix.values, rows: matrix.rows, columns: matrix.columns,
                                    maximumRows: maximumRows, maximumColumns: maximumColumns)
        columns = pooled.columns
        rows = pooled.rows
        let finite = pooled.values.filter(\.isFinite)
        switch scale {
        case .linear:
            values = pooled.values
            (lower, upper) = AxisTicks.widened(Double(finite.min() ?? 0), Double(finite.max() ?? 1))
        case let .amplitudeDecibels(range):
            let reference = Double(finite.max() ?? 0)
            let floor = reference * pow(10, -range / 20)
            values = pooled.values.map { value in
                guard !value.isNaN else { return .nan }
                guard reference > 0 else { return Float(-range) }
                return Float(20 * log10(max(Double(value), floor) / reference))
            }
            (lower, upper) = (-range, 0)
        case let .decibels(range):
            values = pooled.values
            let top = Double(finite.max() ?? 0)
            (lower, upper) = (top - range, top)
        }
    }

    private init(columns: Int, rows: Int, values: [Float], lower: Double, upper: Double) {
        (self.columns, self.rows, self.values, self.lower, self.upper) = (columns, rows, values, lower, upper)
    }

    /// The same raster max-pooled further to at most `maximumColumns × maximumRows`, keeping
    /// the colour range (display values are monotonic in the data, so this equals pooling the
    /// data more coarsely).
    func pooled(maximumColumns: Int, maximumRows: Int) -> HeatmapRaster {
        guard columns > maximumColumns || rows > maximumRows else { return self }
        let pooled = Self.maxPooled(values, rows: rows, columns: columns, maximumRows: maximumRows, maximumColumns: maximumColumns)
        return HeatmapRaster(columns: pooled.columns, rows: pooled.rows, values: pooled.values, lower: lower, upper: upper)
    }

    /// Max-pools a column-major `[rows × columns]` array into at most
    /// `[maximumRows × maximumColumns]`: source row r goes to output row ⌊r·rows′/rows⌋ (each
    /// output row gets at least one source row), columns likewise. An output cell is the largest
    /// of its sources ignoring NaN and +∞, or NaN when there is none.
    static func maxPooled(_ values: [Float], rows: Int, columns: Int, maximumRows: Int, maximumColumns: Int)
        -> (columns: Int, rows: Int, values: [Float]) {
        guard rows > 0, columns > 0 else { return (0, 0, []) }
        let targetRows = min(rows, max(1, maximumRows)), targetColumns = min(columns, max(1, maximumColumns))
        var pooled = [Float](repeating: .nan, count: targetRows * targetColumns)
        let rowTarget = (0..<rows).map { $0 * targetRows / rows }
        values.withUnsafeBufferPointer { source in
            pooled.withUnsafeMutableBufferPointer { target in
                rowTarget.withUnsafeBufferPointer { rowTarget in
                    for column in 0..<columns {
                        let targetBase = (column * targetColumns / columns) * targetRows
                        let sourceBase = column * rows
                        for row in 0..<rows {
                            let value = source[sourceBase + row]
                            if value.isNaN || value == .infinity { continue }
                            let index = targetBase + rowTarget[row]
                            let current = target[index]
                            if current.isNaN || value > current { target[index] = value }
                        }
                    }
                }
            }
        }
        return (targetColumns, targetRows, pooled)
    }

    /// The cells as an image: one pixel per cell, the last row at the top, coloured by
    /// `colorMap` over `lower…upper` (NaN cells grey).
    func image(colorMap: ColorMap) throws -> RasterImage {
        let table = colorMap.lookupTable()
        let missing = PlotStyle.missing.argb32
        let scale = Double(table.count - 1) / (upper - lower)
        return try RasterImage(width: columns, height: rows) { x, y in
            let value = values[x * rows + (rows - 1 - y)]
            guard !value.isNaN else { return missing }
            let position = min(max((Double(value) - lower) * scale, 0), Double(table.count - 1))
            return table[Int(position.rounded())]
        }
    }
}
