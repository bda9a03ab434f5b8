import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a `.npy` whose size is known in advance but whose data arrives in pieces (e.g. one
/// block of frames at a time), without holding the array. Fortran order lets the last axis
/// (frames) grow block by block. The file is renamed into place by `finish()` only when
/// exactly the promised number of values arrived.
///
/// Two ways to deliver the data: `append` (in file order, one caller), or `write(_:atReal:)`
/// (any order, from several threads at once, each call one positional write of its block).
/// Use one or the other for a file.
public final class NPYStreamWriter: @unchecked Sendable {
    /// Destination path.
    public let path: String
    /// The header being written.
    public let header: NPYHeader
    private let file: AtomicFileWriter
    /// Byte offset of the first data value (the encoded header's length, a multiple of 64).
    private let dataOffset: Int
    private var writtenReals = 0
    private let lock = NSLock()

    /// Starts `path` with the header for `shape` (Fortran order) of `scalarType`.
    public init(path: String, scalarType: NPYScalarType, shape: [Int]) throws {
        self.path = path
        self.header = NPYHeader(scalarType: scalarType, shape: shape, isFortranOrder: true)
        file = try AtomicFileWriter(destination: path)
        let encoded = header.encoded()
        dataOffset = encoded.count
        try file.write(contentsOf: encoded)
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

    /// Writes `values` (reals in file order, complex values interleaved) at real index `offset`
    /// of the data, converted to the header's precision, with one `pwrite`. Thread-safe for
    /// disjoint ranges; every real must be written exactly once before `finish()`.
    /// - Throws: `ComplexNMFError.unwritableFile` with the OS reason (e.g. a full disk).
    public func write(_ values: UnsafeBufferPointer<Float>, atReal offset: Int) throws {
        precondition(offset >= 0 && offset + values.count <= expectedReals, "\(path): values \(offset)..<\(offset + values.count) outside the shape")
        guard values.count > 0 else { return }
        switch header.scalarType {
        case .float32, .complex64:
            try positionalWrite(UnsafeRawBufferPointer(values), at: dataOffset + 4 * offset)
        case .float64, .complex128:
            let wide = [Double](unsafeUninitializedCapacity: values.count) { out, initialized in
                for i in 0..<values.count { out[i] = Double(values[i]) }
                initialized = values.count
            }
            try wide.withUnsafeBytes { try positionalWrite($0, at: dataOffset + 8 * offset) }
        }
        lock.lock()
        writtenReals += values.count
        lock.unlock()
    }

    private func positionalWrite(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        var done = 0
        while done < bytes.count {
            let written = pwrite(file.descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw ComplexNMFError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
            }
            done += written
        }
    }

    /// Completes the file (renames it into place).
    public func finish() throws {
        precondition(writtenReals == expectedReals, "\(path): \(writtenReals) of \(expectedReals) values written")
        try file.commit()
    }
}
