import Foundation
import Testing
@testable import ComplexNMF

/// `.npy` files written by numpy (`Tests/Golden/make_foundation_golden.py`): every accepted file
/// reads to the right shape, order and values; ours are byte-identical to numpy's.
@Suite struct NPYGoldenTests {
    nonisolated(unsafe) static let manifest = try! GoldenManifest("foundation")
    nonisolated(unsafe) static let files = manifest.root.dict("npy_format").list("files")

    @Test func everyAcceptedFileReadsWithTheRightShapeAndValues() throws {
        var checked = 0
        for entry in Self.files where entry.bool("expected_accept") {
            let path = Self.manifest.path(entry.string("file"))
            let array = try NPYArray.read(contentsOf: path)
            #expect(array.shape == entry.ints("shape"), "\(path)")
            #expect(array.isFortranOrder == entry.bool("fortran_order"), "\(path)")
            let complex = entry.string("descr").contains("c")
            #expect(array.scalarType.isComplex == complex, "\(path)")
            // Value of the element with C-order flat index i: 0.5 i − 3 (+ j (0.25 i + 1)).
            let values = array.complexValuesInCOrder()
            #expect(values.count == max(1, entry.ints("shape").reduce(1, *)))
            for (i, (re, im)) in values.enumerated() {
                #expect(re == 0.5 * Double(i) - 3, "\(path) element \(i)")
                #expect(im == (complex ? 0.25 * Double(i) + 1 : 0), "\(path) element \(i)")
            }
            checked += 1
        }
        #expect(checked >= 58)
    }

    @Test func writtenFilesAreByteIdenticalToNumpySave() throws {
        let dir = TestPaths.temporaryDirectory()
        var checked = 0
        for entry in Self.files where entry.bool("expected_accept") && entry.ints("version") == [1, 0] && entry.string("descr").hasPrefix("<") {
            let path = Self.manifest.path(entry.string("file"))
            let copy = "\(dir)/\(entry.string("file"))"
            try NPYArray.read(contentsOf: path).write(to: copy)
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let ours = try Data(contentsOf: URL(fileURLWithPath: copy))
            #expect(ours == original, "\(entry.string("file")) differs from numpy's bytes")
            checked += 1
        }
        #expect(checked >= 32)
    }

    @Test func versions2And3AndBigEndianAreRead() throws {
        let names = Self.files.map { $0.string("file") }
        #expect(names.contains { $0.hasPrefix("npy_v2_") } && names.contains { $0.hasPrefix("npy_v3_") } && names.contains { $0.hasPrefix("npy_be_") })
    }

    @Test func refusedDtypesGiveAClearError() throws {
        var checked = 0
        for entry in Self.files where !entry.bool("expected_accept") {
            let path = Self.manifest.path(entry.string("file"))
            do {
                _ = try NPYArray.read(contentsOf: path)
                Issue.record("\(path) was accepted")
            } catch let error as ComplexNMFError {
                #expect(error.description.contains(path))
                #expect(error.description.contains("dtype") || error.description.contains("structured"), "\(error)")
            }
            checked += 1
        }
        #expect(checked == 4)
    }
}
