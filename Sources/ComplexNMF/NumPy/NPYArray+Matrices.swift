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

    /// Component `part` (0 real, 1 imaginary) of the element at memory index `index`, as Double.
    /// Real arrays have imaginary part 0.
    private func component(_ index: Int, _ part: Int) -> Double {
        switch values {
        case let .float32(v): return part == 0 ? Double(v[index]) : 0
        case let .float64(v): return part == 0 ? v[index] : 0
        case let .complex64(v): return Double(v[2 * index + part])
        case let .complex128(v): return v[2 * index + part]
        }
    }

    /// Memory index of the logical multi-index `(i, j)` of a 2-D array, or `(c, i, j)` of a 3-D one.
    private func memoryIndex(_ indices: [Int]) -> Int {
        var index = 0
        if isFortranOrder {
            for axis in stride(from: shape.count - 1, through: 0, by: -1) { index = index * shape[axis] + indices[axis] }
        } else {
            for axis in 0..<shape.count { index = index * shape[axis] + indices[axis] }
        }
        return index
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
        return (0..<channels).map { c in
            var m = ComplexMatrix(rows: rows, columns: columns)
            for j in 0..<columns {
                for i in 0..<rows {
                    let k = memoryIndex(shape.count == 3 ? [c, i, j] : [i, j])
                    m.values[2 * (j * rows + i)] = Float(component(k, 0))
                    m.values[2 * (j * rows + i) + 1] = Float(component(k, 1))
                }
            }
            return m
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
        let rows = shape[0], columns = shape[1]
        var m = RealMatrix(rows: rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { m.values[j * rows + i] = Float(component(memoryIndex([i, j]), 0)) }
        }
        return m
    }

    /// The values of a real array of any shape, in C (row-major) order, as Double.
    public func realValuesInCOrder() -> [Double] {
        let count = elementCount
        if !isFortranOrder || shape.count < 2 { return (0..<count).map { component($0, 0) } }
        var out = [Double](repeating: 0, count: count)
        var indices = [Int](repeating: 0, count: shape.count)
        for flat in 0..<count {
            out[flat] = component(memoryIndex(indices), 0)
            var axis = shape.count - 1
            while axis >= 0 { indices[axis] += 1; if indices[axis] < shape[axis] { break }; indices[axis] = 0; axis -= 1 }
        }
        return out
    }

    /// The values of a complex (or real) array in C order as `(re, im)` pairs.
    public func complexValuesInCOrder() -> [(Double, Double)] {
        let count = elementCount
        var out = [(Double, Double)]()
        out.reserveCapacity(count)
        var indices = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            let k = shape.isEmpty ? 0 : memoryIndex(indices)
            out.append((component(k, 0), component(k, 1)))
            var axis = shape.count - 1
            while axis >= 0 { indices[axis] += 1; if indices[axis] < shape[axis] { break }; indices[axis] = 0; axis -= 1 }
        }
        return out
    }
}
