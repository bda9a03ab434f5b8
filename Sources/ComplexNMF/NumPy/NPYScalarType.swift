/// Element types that `.npy` files read and written by this package may hold.
///
/// These are numpy's `float32`, `float64`, `complex64` and `complex128`. Integer, boolean,
/// object (pickled) and structured dtypes are refused with a clear error.
public enum NPYScalarType: String, Sendable, CaseIterable, Codable {
    case float32, float64, complex64, complex128

    /// Bytes per element (numpy `itemsize`).
    public var itemSize: Int {
        switch self {
        case .float32: 4
        case .float64, .complex64: 8
        case .complex128: 16
        }
    }

    /// Whether elements are complex (two components per element).
    public var isComplex: Bool { self == .complex64 || self == .complex128 }

    /// Bytes per real component (4 for float32/complex64, 8 otherwise).
    public var componentSize: Int { isComplex ? itemSize / 2 : itemSize }

    /// The little-endian numpy type string written in headers, e.g. `<c8`.
    public var littleEndianDescriptor: String {
        switch self {
        case .float32: "<f4"
        case .float64: "<f8"
        case .complex64: "<c8"
        case .complex128: "<c16"
        }
    }

    /// Parses a numpy type string such as `<f4`, `>c16`, `|f8`.
    /// - Returns: the type and whether the data is big-endian, or `nil` when unsupported.
    static func parse(descriptor: String) -> (type: NPYScalarType, bigEndian: Bool)? {
        guard let first = descriptor.first else { return nil }
        let bigEndian: Bool
        var code = Substring(descriptor)
        switch first {
        case "<", "=", "|": bigEndian = false; code = code.dropFirst()
        case ">": bigEndian = true; code = code.dropFirst()
        default: bigEndian = false
        }
        let type: NPYScalarType
        switch code {
        case "f4": type = .float32
        case "f8": type = .float64
        case "c8": type = .complex64
        case "c16": type = .complex128
        default: return nil
        }
        return (type, bigEndian)
    }
}
