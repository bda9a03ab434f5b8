import Foundation

/// An n-dimensional array as stored in a `.npy` file: shape, memory order and values in that
/// memory order (converted to the host's little-endian byte order).
///
/// Complex values are interleaved `(re, im)` pairs, as numpy stores them.
public struct NPYArray: Equatable, Sendable {
    /// The values in file memory order. Complex cases hold `2 × elementCount` reals.
    public enum Values: Equatable, Sendable {
        case float32([Float])
        case float64([Double])
        case complex64([Float])
        case complex128([Double])
    }

    /// Array shape (numpy `shape`); `[]` for a 0-d scalar.
    public var shape: [Int]
    /// Whether `values` are in Fortran (column-major) order rather than C (row-major) order.
    public var isFortranOrder: Bool
    /// The values, in the memory order given by `isFortranOrder`.
    public var values: Values

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The element type.
    public var scalarType: NPYScalarType {
        switch values {
        case .float32: .float32
        case .float64: .float64
        case .complex64: .complex64
        case .complex128: .complex128
        }
    }

    /// Creates an array; `values` must hold `elementCount` elements (twice as many reals when complex).
    public init(shape: [Int], isFortranOrder: Bool, values: Values) {
        self.shape = shape
        self.isFortranOrder = isFortranOrder
        self.values = values
        let reals: Int
        switch values {
        case let .float32(v): reals = v.count
        case let .float64(v): reals = v.count
        case let .complex64(v): reals = v.count / 2
        case let .complex128(v): reals = v.count / 2
        }
        precondition(reals == shape.reduce(1, *), "NPYArray: \(reals) values for shape \(shape)")
    }

    /// Reads a `.npy` file (versions 1.0–3.0; `<`/`>` f4, f8, c8, c16; C or Fortran order; any rank).
    /// - Throws: `ComplexNMFError` naming the file and the problem: missing file, directory, bad
    ///   magic, truncated header or data, unsupported dtype, data size that disagrees with the shape.
    public static func read(contentsOf path: String) throws -> NPYArray {
        try decode(try readFileBytes(path), path: path)
    }

    /// Parses the bytes of a `.npy` file (see `read(contentsOf:)`); `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> NPYArray {
        try data.withUnsafeBytes { raw -> NPYArray in
            let header = try NPYHeader.parse(raw, path: path)
            let available = raw.count - header.dataOffset
            guard available == header.dataByteCount else {
                throw ComplexNMFError.invalidContent(
                    path: path,
                    reason: "header shape \(header.shape) of \(header.scalarType.rawValue) needs \(header.dataByteCount) data bytes but the file has \(available)" + (available < header.dataByteCount ? " (truncated file?)" : ""))
            }
            let body = UnsafeRawBufferPointer(rebasing: raw[header.dataOffset...])
            let reals = header.elementCount * (header.scalarType.isComplex ? 2 : 1)
            let values: Values
            switch header.scalarType {
            case .float32: values = .float32(decode(body, count: reals, bigEndian: header.isBigEndian))
            case .float64: values = .float64(decode(body, count: reals, bigEndian: header.isBigEndian))
            case .complex64: values = .complex64(decode(body, count: reals, bigEndian: header.isBigEndian))
            case .complex128: values = .complex128(decode(body, count: reals, bigEndian: header.isBigEndian))
            }
            return NPYArray(shape: header.shape, isFortranOrder: header.isFortranOrder, values: values)
        }
    }

    /// Writes the array so that the file is byte-identical to `numpy.save` of the same array.
    /// The file appears atomically (temporary file + rename).
    public func write(to path: String) throws {
        let writer = try AtomicFileWriter(destination: path)
        let header = NPYHeader(scalarType: scalarType, shape: shape, isFortranOrder: isFortranOrder)
        try writer.write(contentsOf: header.encoded())
        switch values {
        case let .float32(v), let .complex64(v): try writer.write(contentsOf: v)
        case let .float64(v), let .complex128(v): try writer.write(contentsOf: v)
        }
        try writer.commit()
    }

    private static func decode<T: BinaryFloatingPoint & BitPatternConvertible>(
        _ bytes: UnsafeRawBufferPointer, count: Int, bigEndian: Bool
    ) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                let bits = bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.Bits.self)
                buffer[i] = T(bitPattern: bigEndian ? bits.byteSwapped : T.Bits(littleEndian: bits))
            }
            initialized = count
        }
    }
}

/// Floating-point types whose raw bits can be byte-swapped (Float, Double).
protocol BitPatternConvertible {
    associatedtype Bits: FixedWidthInteger
    init(bitPattern: Bits)
}
extension Float: BitPatternConvertible {}
extension Double: BitPatternConvertible {}

/// Reads a whole regular file, with errors that name the path and say what is wrong
/// (missing, a directory, unreadable).
func readFileBytes(_ path: String) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ComplexNMFError.unreadableFile(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else {
        throw ComplexNMFError.unreadableFile(path: path, reason: "it is a directory, not a file")
    }
    // POSIX reads rather than Data(contentsOf:), which leaks its buffer for empty files
    // (LeakSanitizer, FoundationEssentials of Swift 6.3).
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw ComplexNMFError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
        throw ComplexNMFError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
    }
    // Until end of file (also for pipes, whose size is 0), in chunks of up to 1 MiB.
    var bytes = [UInt8]()
    bytes.reserveCapacity(max(0, Int(status.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if got < 0 && errno == EINTR { continue }
        guard got >= 0 else {
            throw ComplexNMFError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        if got == 0 { break }
        bytes += chunk[0..<got]
    }
    return Data(bytes)
}
