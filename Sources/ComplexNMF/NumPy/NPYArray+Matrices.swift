/// Conversions between `.npy` arrays and the package's matrix types.
extension NPYArray {
    /// A 2-D array `[rows × columns]` in Fortran order holding the complex matrix
    /// (no transposition: the matrix layout is Fortran order). `scalarType` must be complex.
    public init(_ matrix: ComplexMatrix, scalarType: NPYScalarType = .complex64) {
        precondition(scalarType.isComplex)
        let values: Values = scalarType == .complex64 ? .complex64(matrix.values) : .complex128(matrix.values.map(Double.init))
        self.init(shape: [matrix.rows, matrix.columns], isFortranOrder: true, values: values)
    }

    /// A 2-D array `[rows × columns]` in Fortran order holding the real matrix.
    /// `scalarType` must be `.float32` or `.float64`.
    public init(_ matrix: RealMatrix, scalarType: NPYScalarType = .float32) {
        precondition(!scalarType.isComplex)
        let values: Values = scalarType == .float32 ? .float32(matrix.values) : .float64(matrix.values.map(Double.init))
        self.init(shape: [matrix.rows, matrix.columns], isFortranOrder: true, values: values)
    }

    /// A 1-D float64 array.
    public init(_ vector: [Double]) {
        self.init(shape: [vector.count], isFortranOrder: false, values: .float64(vector))
    }

    /// A 1-D float32 array.
    public init(_ vector: [Float]) {
        self.init(shape: [vector.count], isFortranOrder: false, values: .float32(vector))
    }

    /// A 3-D complex array `[channels × rows × columns]` in Fortran order (librosa's layout for
    /// multichannel spectrograms). All matrices must have the same shape.
    public init(stacking matrices: [ComplexMatrix], scalarType: NPYScalarType = .complex64) {
        precondition(scalarType.isComplex && !matrices.isEmpty)
        let channels = matrices.count, rows = matrices[0].rows, columns = matrices[0].columns
        // Fortran order: channel varies fastest, then row, then column.
        var interleaved = [Float](repeating: 0, count: 2 * channels * rows * columns)
        for (c, m) in matrices.enumerated() {
            precondition(m.rows == rows && m.columns == columns)
            for j in 0..<(rows * columns) {
                interleaved[2 * (j * channels + c)] = m.values[2 * j]
                interleaved[2 * (j * channels + c) + 1] = m.values[2 * j + 1]
            }
        }
        let values: Values = scalarType == .complex64 ? .complex64(interleaved) : .complex128(interleaved.map(Double.init))
        self.init(shape: [channels, rows, columns], isFortranOrder: true, values: values)
    }

    /// Element strides of each axis in memory (C or Fortran order).
    var strides: [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        if isFortranOrder {
            for axis in stride(from: 1, to: shape.count, by: 1) { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        } else {
            for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        }
        return strides
    }

    /// Copies a strided 2-D view into a column-major matrix of `rows × columns` elements:
    /// element `(i, j)` comes from memory index `offset + i·rowStride + j·columnStride`.
    /// `complexOutput` writes interleaved pairs (imaginary 0 for real input).
    private func gather(offset: Int, rows: Int, columns: Int, rowStride: Int, columnStride: Int, complexOutput: Bool) -> [Float] {
        func copy<T: BinaryFloatingPoint>(_ v: [T], complexInput: Bool) -> [Float] {
            let width = complexOutput ? 2 : 1
            var out = [Float](repeating: 0, count: width * rows * columns)
            v.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    for j in 0..<columns {
                        var source = offset + j * columnStride
                        var destination = width * j * rows
                        for _ in 0..<rows {
                            if complexInput {
                                output[destination] = Float(input[2 * source])
                                if complexOutput { output[destination + 1] = Float(input[2 * source + 1]) }
                            } else {
                                output[destination] = Float(input[source])
                            }
                            source += rowStride
                            destination += width
                        }
                    }
                }
            }
            return out
        }
        switch values {
        case let .float32(v): return copy(v, complexInput: false)
        case let .float64(v): return copy(v, complexInput: false)
        case let .complex64(v): return copy(v, complexInput: true)
        case let .complex128(v): return copy(v, complexInput: true)
        }
    }

    /// The array as complex matrices `[rows × columns]`: one for a 2-D array, one per channel
    /// for a 3-D `[channels × rows × columns]` array. Real dtypes give zero imaginary parts.
    /// - Parameter path: for the error message.
    /// - Throws: `ComplexNMFError.invalidContent` when the rank is not 2 or 3.
    public func complexMatrices(path: String) throws -> [ComplexMatrix] {
        guard shape.count == 2 || shape.count == 3 else {
            throw ComplexNMFError.invalidContent(path: path, reason: "expected a 2-D [bins × frames] (or 3-D [channels × bins × frames]) array but its shape is \(shape)")
        }
        let channels = shape.count == 3 ? shape[0] : 1
        let rows = shape[shape.count - 2], columns = shape[shape.count - 1]
        let strides = self.strides
        let rowStride = strides[shape.count - 2], columnStride = strides[shape.count - 1]
        if shape.count == 2, isFortranOrder, case let .complex64(v) = values {
            return [ComplexMatrix(rows: rows, columns: columns, values: v)]  // already our layout
        }
        return (0..<channels).map { c in
            ComplexMatrix(rows: rows, columns: columns,
                          values: gather(offset: shape.count == 3 ? c * strides[0] : 0, rows: rows, columns: columns,
                                         rowStride: rowStride, columnStride: columnStride, complexOutput: true))
        }
    }

    /// The 2-D array as a real matrix.
    /// - Throws: `ComplexNMFError.invalidContent` when the array is not 2-D or is complex.
    public func realMatrix(path: String) throws -> RealMatrix {
        guard shape.count == 2 else {
            throw ComplexNMFError.invalidContent(path: path, reason: "expected a 2-D array but its shape is \(shape)")
        }
        guard !scalarType.isComplex else {
            throw ComplexNMFError.invalidContent(path: path, reason: "expected a real (float32/float64) array but it is \(scalarType.rawValue)")
        }
        let strides = self.strides
        return RealMatrix(rows: shape[0], columns: shape[1],
                          values: gather(offset: 0, rows: shape[0], columns: shape[1], rowStride: strides[0], columnStride: strides[1], complexOutput: false))
    }

    /// Memory index of each element, listed in C (row-major) order of the logical indices.
    private func memoryIndicesInCOrder() -> [Int] {
        let count = elementCount, strides = self.strides
        var out = [Int](repeating: 0, count: count)
        var indices = [Int](repeating: 0, count: shape.count)
        var memory = 0
        for flat in 0..<count {
            out[flat] = memory
            var axis = shape.count - 1
            while axis >= 0 {
                indices[axis] += 1
                memory += strides[axis]
                if indices[axis] < shape[axis] { break }
                memory -= strides[axis] * shape[axis]
                indices[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    /// The real parts of all elements in C (row-major) order, as Double.
    public func realValuesInCOrder() -> [Double] {
        complexValuesInCOrder().map(\.0)
    }

    /// All elements in C order as `(re, im)` pairs (imaginary 0 for real arrays).
    public func complexValuesInCOrder() -> [(Double, Double)] {
        let indices = memoryIndicesInCOrder()
        switch values {
        case let .float32(v): return indices.map { (Double(v[$0]), 0) }
        case let .float64(v): return indices.map { (v[$0], 0) }
        case let .complex64(v): return indices.map { (Double(v[2 * $0]), Double(v[2 * $0 + 1])) }
        case let .complex128(v): return indices.map { (v[2 * $0], v[2 * $0 + 1]) }
        }
    }
}
