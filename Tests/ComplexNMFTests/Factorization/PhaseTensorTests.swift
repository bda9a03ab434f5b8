import Foundation
import Testing
@testable import ComplexNMF

/// `PhaseTensor`'s two layouts: per component (`2·K·F·T` reals) and shared (`2·F·T`).
@Suite struct PhaseTensorTests {
    static let shared = PhaseTensor(components: 3, bins: 2, frames: 2,
                                    sharedValues: [1, 0, 0, 1, -1, 0, 0.6, 0.8])

    @Test func expandingRepeatsEachBinsPhaseForEveryComponent() {
        let dense = Self.shared.expanded()
        #expect(!dense.isSharedAcrossComponents && dense.values.count == 2 * 3 * 2 * 2)
        for t in 0..<2 {
            for f in 0..<2 {
                for k in 0..<3 {
                    let i = 2 * (k + 3 * (f + 2 * t))
                    #expect(dense.values[i] == Self.shared.values[2 * (f + 2 * t)] && dense.values[i + 1] == Self.shared.values[2 * (f + 2 * t) + 1])
                    #expect(dense[k, f, t] == Self.shared[k, f, t])
                }
            }
        }
        #expect(dense.expanded() == dense)
    }

    @Test func equalityComparesPhasesNotLayouts() {
        var dense = Self.shared.expanded()
        #expect(dense == Self.shared && Self.shared == dense)
        dense.values[2 * (1 + 3 * (1 + 2 * 1)) + 1] = 0.7   // component 1, bin 1, frame 1
        #expect(dense != Self.shared && Self.shared != dense)
        #expect(PhaseTensor(components: 2, bins: 2, frames: 2, sharedValues: Self.shared.values) != Self.shared, "shapes differ")
    }

    @Test func npyArrayOfTheSharedLayoutIsTheFullTensor() throws {
        let array = Self.shared.npyArray()
        #expect(array.shape == [3, 2, 2] && array.isFortranOrder)
        #expect(array == Self.shared.expanded().npyArray())
    }
}

extension PhaseTensorTests {
    @Test(arguments: [NPYScalarType.complex64, .complex128])
    func writingFrameByFrameGivesTheFullTensorForBothLayouts(scalarType: NPYScalarType) throws {
        let directory = TestPaths.temporaryDirectory()
        for (name, tensor) in [("shared", Self.shared), ("dense", Self.shared.expanded())] {
            let path = "\(directory)/\(name).npy"
            try tensor.write(to: path, scalarType: scalarType)
            #expect(try NPYArray.read(contentsOf: path) == Self.shared.npyArray(scalarType: scalarType), "\(name) layout")
        }
    }
}
