/// Writes a `.npy` whose size is known in advance but whose data arrives in pieces (e.g. one
/// block of frames at a time), without holding the array. Fortran order lets the last axis
/// (frames) grow block by block. The file is renamed into place by `finish()` only when
/// exactly the promised number of values arrived.
public final class NPYStreamWriter {
    /// Destination path.
    public let path: String
    /// The header being written.
    public let header: NPYHeader
    private let file: AtomicFileWriter
    private var writtenReals = 0

    /// Starts `path` with the header for `shape` (Fortran order) of `scalarType`.
    public init(path: String, scalarType: NPYScalarType, shape: [Int]) throws {
        self.path = path
        self.header = NPYHeader(scalarType: scalarType, shape: shape, isFortranOrder: true)
        file = try AtomicFileWriter(destination: path)
        try file.write(contentsOf: header.encoded())
    }

    private var expectedReals: Int { header.elementCount * (header.scalarType.isComplex ? 2 : 1) }

    /// Appends values in Fortran (file) order; complex values interleaved. Converted to the
    /// header's precision.
    public func append(_ values: [Float]) throws {
        precondition(writtenReals + values.count <= expectedReals, "\(path): more values than the shape holds")
        switch header.scalarType {
        case .float32, .complex64: try file.write(contentsOf: values)
        case .float64, .complex128: try file.write(contentsOf: values.map(Double.init))
        }
        writtenReals += values.count
    }

    /// Completes the file (renames it into place).
    public func finish() throws {
        precondition(writtenReals == expectedReals, "\(path): \(writtenReals) of \(expectedReals) values written")
        try file.commit()
    }
}
