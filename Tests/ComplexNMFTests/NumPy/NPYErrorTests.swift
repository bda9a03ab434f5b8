import Foundation
import Testing
@testable import ComplexNMF

/// Every way a `.npy` file can be wrong gives a `ComplexNMFError` that names the file and the problem.
@Suite struct NPYErrorTests {
    func write(_ bytes: [UInt8], _ name: String = "bad.npy") throws -> String {
        let path = "\(TestPaths.temporaryDirectory())/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A valid file's bytes for a 3×4 float32 array.
    func validBytes() -> [UInt8] {
        NPYHeader(scalarType: .float32, shape: [3, 4], isFortranOrder: false).encoded()
            + [UInt8](repeating: 0, count: 48)
    }

    func expectError(_ path: String, mentioning phrase: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try NPYArray.read(contentsOf: path)
            Issue.record("'\(path)' was accepted", sourceLocation: sourceLocation)
        } catch let error as ComplexNMFError {
            #expect(error.description.contains(path), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(phrase), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func validBytesAreAccepted() throws {
        let array = try NPYArray.read(contentsOf: write(validBytes()))
        #expect(array.shape == [3, 4])
    }

    @Test func badMagic() throws {
        var bytes = validBytes()
        bytes[1] = 0x41
        expectError(try write(bytes), mentioning: "magic")
    }

    @Test func emptyAndTinyFiles() throws {
        expectError(try write([]), mentioning: "shorter than")
        expectError(try write(Array(validBytes().prefix(9))), mentioning: "shorter than")
    }

    @Test func truncatedHeader() throws {
        expectError(try write(Array(validBytes().prefix(40))), mentioning: "truncated")
    }

    @Test func truncatedData() throws {
        expectError(try write(Array(validBytes().dropLast(5))), mentioning: "needs 48 data bytes but the file has 43")
    }

    @Test func extraData() throws {
        expectError(try write(validBytes() + [0, 0, 0, 0]), mentioning: "has 52")
    }

    @Test func unsupportedVersion() throws {
        var bytes = validBytes()
        bytes[6] = 9
        expectError(try write(bytes), mentioning: "version 9")
    }

    @Test(arguments: ["<i4", "|b1", "|O", "<U8", "<f2", "<M8[ns]"])
    func unsupportedDtypes(descr: String) throws {
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (2,), }"
        text += String(repeating: " ", count: 64 - (10 + text.count + 1) % 64) + "\n"
        let bytes = NPYHeader.magic + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)] + Array(text.utf8) + [UInt8](repeating: 0, count: 16)
        expectError(try write(bytes), mentioning: "unsupported dtype '\(descr)'")
    }

    @Test func structuredDtype() throws {
        var text = "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }"
        text += String(repeating: " ", count: 64 - (10 + text.count + 1) % 64) + "\n"
        let bytes = NPYHeader.magic + [1, 0, UInt8(text.utf8.count), 0] + Array(text.utf8) + [UInt8](repeating: 0, count: 16)
        expectError(try write(bytes), mentioning: "structured")
    }

    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, }",
        "{'descr': '<f4', 'shape': (2,), }",
        "{'fortran_order': False, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1, }",
        "not a dict at all",
    ])
    func malformedHeaderDictionaries(text: String) throws {
        let padded = text + String(repeating: " ", count: 64 - (10 + text.count + 1) % 64) + "\n"
        let bytes = NPYHeader.magic + [1, 0, UInt8(padded.utf8.count), 0] + Array(padded.utf8) + [UInt8](repeating: 0, count: 8)
        expectError(try write(bytes), mentioning: "npy")
    }

    @Test func missingFileAndDirectory() throws {
        let dir = TestPaths.temporaryDirectory()
        expectError("\(dir)/nothing.npy", mentioning: "no such file")
        expectError(dir, mentioning: "directory")
    }

    @Test func wrongRankForAMatrix() throws {
        let array = NPYArray(shape: [2, 3, 4, 5], isFortranOrder: false, values: .float32([Float](repeating: 1, count: 120)))
        #expect(throws: ComplexNMFError.self) { try array.complexMatrices(path: "x.npy") }
        #expect(throws: ComplexNMFError.self) { try array.realMatrix(path: "x.npy") }
        let complex = NPYArray(shape: [2, 2], isFortranOrder: false, values: .complex64([Float](repeating: 1, count: 8)))
        #expect(throws: ComplexNMFError.self) { try complex.realMatrix(path: "x.npy") }
    }
}

@Suite struct NPYRoundTripTests {
    @Test(arguments: [NPYScalarType.float32, .float64, .complex64, .complex128], [false, true])
    func writeThenReadGivesTheSameArray(type: NPYScalarType, fortran: Bool) throws {
        let shape = [2, 3, 5]
        let reals = shape.reduce(1, *) * (type.isComplex ? 2 : 1)
        let values: NPYArray.Values
        switch type {
        case .float32: values = .float32((0..<reals).map { Float($0) * 0.25 - 3 })
        case .float64: values = .float64((0..<reals).map { Double($0) * 0.1 - 3 })
        case .complex64: values = .complex64((0..<reals).map { Float($0) * 0.25 - 3 })
        case .complex128: values = .complex128((0..<reals).map { Double($0) * 0.1 - 3 })
        }
        let array = NPYArray(shape: shape, isFortranOrder: fortran, values: values)
        let path = "\(TestPaths.temporaryDirectory())/r.npy"
        try array.write(to: path)
        #expect(try NPYArray.read(contentsOf: path) == array)
    }

    @Test func headersAreAlignedTo64BytesAndEndWithNewline() {
        for shape in [[], [1], [12345, 678], [1, 2, 3, 4, 5, 6, 7, 8]] {
            let header = NPYHeader(scalarType: .complex64, shape: shape, isFortranOrder: true).encoded()
            #expect(header.count % 64 == 0)
            #expect(header.last == 0x0A)
        }
    }

    @Test func matrixConversionsHonourMemoryOrder() throws {
        // The same logical 2×3 matrix stored in C order and in Fortran order.
        let c = NPYArray(shape: [2, 3], isFortranOrder: false, values: .float64([1, 2, 3, 4, 5, 6]))
        let f = NPYArray(shape: [2, 3], isFortranOrder: true, values: .float64([1, 4, 2, 5, 3, 6]))
        #expect(try c.realMatrix(path: "c") == f.realMatrix(path: "f"))
        #expect(try c.realMatrix(path: "c")[1, 0] == 4)
        #expect(c.realValuesInCOrder() == f.realValuesInCOrder())
    }
}
