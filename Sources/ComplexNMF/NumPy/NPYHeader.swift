import Foundation

/// The header of a numpy `.npy` file (format versions 1.0, 2.0 and 3.0).
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, a little-endian header length
/// (2 bytes in 1.0, 4 bytes in 2.0/3.0), then a Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a final
/// newline so that the data starts at a multiple of 64 bytes.
public struct NPYHeader: Equatable, Sendable {
    /// Element type.
    public var scalarType: NPYScalarType
    /// Whether the data bytes are big-endian (only ever true for files written elsewhere).
    public var isBigEndian: Bool
    /// Whether the data is laid out in Fortran (column-major) order.
    public var isFortranOrder: Bool
    /// Array shape; `[]` is a 0-d scalar.
    public var shape: [Int]
    /// Format major version (1, 2 or 3).
    public var majorVersion: UInt8
    /// Offset of the first data byte from the start of the file.
    public var dataOffset: Int

    /// Number of elements (product of `shape`, 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of data bytes the header promises.
    public var dataByteCount: Int { elementCount * scalarType.itemSize }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// numpy's spare room for the growing axis so a header can be rewritten in place.
    static let growthAxisMaxDigits = 21
    static let alignment = 64

    /// Creates a header for writing (`dataOffset` is computed by `encoded()`).
    public init(scalarType: NPYScalarType, shape: [Int], isFortranOrder: Bool) {
        self.scalarType = scalarType
        self.isBigEndian = false
        self.isFortranOrder = isFortranOrder
        self.shape = shape
        self.majorVersion = 1
        self.dataOffset = 0
    }

    /// The header bytes exactly as `numpy.save` writes them for this dtype, order and shape
    /// (little-endian dtype, the oldest format version that fits, 64-byte alignment).
    public func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(scalarType.littleEndianDescriptor)', 'fortran_order': "
            + (isFortranOrder ? "True" : "False") + ", 'shape': \(shapeText), }"
        if !shape.isEmpty {
            let growing = isFortranOrder ? shape[shape.count - 1] : shape[0]
            dict += String(repeating: " ", count: max(0, Self.growthAxisMaxDigits - String(growing).count))
        }
        let text = Array(dict.utf8)
        // Version 1.0 has a 2-byte length; fall back to 2.0 (4-byte) for huge headers.
        for (version, lengthBytes) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let unpadded = Self.magic.count + 2 + lengthBytes + text.count + 1
            let padding = (Self.alignment - unpadded % Self.alignment) % Self.alignment
            let headerLength = text.count + padding + 1
            if lengthBytes == 2 && headerLength > Int(UInt16.max) { continue }
            var bytes = Self.magic + [version, 0]
            for i in 0..<lengthBytes { bytes.append(UInt8((headerLength >> (8 * i)) & 0xFF)) }
            bytes += text
            bytes += [UInt8](repeating: 0x20, count: padding)
            bytes.append(0x0A)
            return bytes
        }
        fatalError("npy header longer than 4 GiB")  // unreachable: shapes are short
    }

    /// Parses and validates the header at the start of `bytes`.
    /// - Parameter path: used in error messages only.
    /// - Throws: `ComplexNMFError.invalidContent` naming the problem (bad magic, truncated
    ///   header, unsupported dtype, malformed dict, negative dimensions).
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NPYHeader {
        func fail(_ reason: String) -> ComplexNMFError {
            .invalidContent(path: path, reason: "not a valid .npy file: \(reason)")
        }
        guard bytes.count >= 10 else { throw fail("file is \(bytes.count) bytes, shorter than the 10-byte npy preamble") }
        guard Array(bytes[0..<6]) == magic else { throw fail("missing the '\\x93NUMPY' magic string") }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw fail("unsupported format version \(major).\(bytes[7]) (1.0, 2.0 and 3.0 are supported)")
        }
        guard bytes.count >= 8 + lengthBytes else { throw fail("truncated header length field") }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lengthBytes
        guard headerLength > 0, start + headerLength <= bytes.count else {
            throw fail("header claims \(headerLength) bytes but the file has only \(bytes.count - start) after the preamble (truncated file?)")
        }
        let encoding: String.Encoding = major == 3 ? .utf8 : .isoLatin1
        guard let text = String(data: Data(bytes[start..<(start + headerLength)]), encoding: encoding) else {
            throw fail("header is not valid text")
        }
        let dict = try NPYHeaderDictionary(text: text, path: path)
        guard let descr = dict.descriptor else {
            throw fail("header has no 'descr' string (structured dtypes are not supported)")
        }
        guard let (type, bigEndian) = NPYScalarType.parse(descriptor: descr) else {
            throw ComplexNMFError.invalidContent(
                path: path,
                reason: "unsupported dtype '\(descr)': only float32, float64, complex64 and complex128 arrays are supported (convert with arr.astype(np.float32) or np.complex64)")
        }
        guard let fortran = dict.fortranOrder else { throw fail("header has no 'fortran_order' True/False") }
        guard let shape = dict.shape else { throw fail("header has no 'shape' tuple") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("negative dimension in shape \(shape)") }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int(Int32.max) * 64 else { throw fail("shape \(shape) is absurdly large") }
            count = product
        }
        var header = NPYHeader(scalarType: type, shape: shape, isFortranOrder: fortran)
        header.isBigEndian = bigEndian
        header.majorVersion = major
        header.dataOffset = start + headerLength
        return header
    }
}

/// A minimal parser for the Python dict literal in an npy header. It accepts exactly the
/// grammar numpy writes: string keys, a string (or list, for structured dtypes) `descr`,
/// `True`/`False`, and a tuple of non-negative integers.
struct NPYHeaderDictionary {
    var descriptor: String?
    var fortranOrder: Bool?
    var shape: [Int]?

    init(text: String, path: String) throws {
        func fail(_ reason: String) -> ComplexNMFError {
            .invalidContent(path: path, reason: "not a valid .npy header (\(reason)): \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))")
        }
        var scanner = Array(text.unicodeScalars)[...]
        func skipSpace() { while let c = scanner.first, c == " " || c == "\n" || c == "\t" || c == "\r" { scanner = scanner.dropFirst() } }
        func expect(_ c: Unicode.Scalar) throws {
            skipSpace()
            guard scanner.first == c else { throw fail("expected '\(c)'") }
            scanner = scanner.dropFirst()
        }
        func string() throws -> String {
            skipSpace()
            guard let quote = scanner.first, quote == "'" || quote == "\"" else { throw fail("expected a quoted string") }
            scanner = scanner.dropFirst()
            var value = ""
            while let c = scanner.first, c != quote { value.unicodeScalars.append(c); scanner = scanner.dropFirst() }
            guard !scanner.isEmpty else { throw fail("unterminated string") }
            scanner = scanner.dropFirst()
            return value
        }
        try expect("{")
        while true {
            skipSpace()
            if scanner.first == "}" { scanner = scanner.dropFirst(); break }
            let key = try string()
            try expect(":")
            skipSpace()
            switch key {
            case "descr":
                if scanner.first == "[" { throw ComplexNMFError.invalidContent(path: path, reason: "structured (record) dtypes are not supported: save a plain float or complex array") }
                descriptor = try string()
            case "fortran_order":
                if scanner.starts(with: "True".unicodeScalars) { fortranOrder = true; scanner = scanner.dropFirst(4) }
                else if scanner.starts(with: "False".unicodeScalars) { fortranOrder = false; scanner = scanner.dropFirst(5) }
                else { throw fail("fortran_order must be True or False") }
            case "shape":
                try expect("(")
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if scanner.first == ")" { scanner = scanner.dropFirst(); break }
                    var digits = ""
                    while let c = scanner.first, ("0"..."9").contains(c) { digits.unicodeScalars.append(c); scanner = scanner.dropFirst() }
                    if let c = scanner.first, c == "L" { scanner = scanner.dropFirst() }  // Python 2 long suffix
                    guard let value = Int(digits), digits.count <= 18 else { throw fail("shape entries must be non-negative integers") }
                    dims.append(value)
                    skipSpace()
                    if scanner.first == "," { scanner = scanner.dropFirst() }
                    else if scanner.first != ")" { throw fail("malformed shape tuple") }
                }
                shape = dims
            default:
                throw fail("unexpected key '\(key)'")
            }
            skipSpace()
            if scanner.first == "," { scanner = scanner.dropFirst() }
            else if scanner.first != "}" { throw fail("expected ',' or '}'") }
        }
    }
}
