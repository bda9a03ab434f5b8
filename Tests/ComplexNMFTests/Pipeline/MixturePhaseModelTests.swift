import Foundation
import Testing
@testable import ComplexNMF

/// `MixturePhaseModel`, the reconstruction of `separate --method nmf`, against the model written
/// out here from its definition (`H·U` in Double, its square root for a power model, times
/// `Y/|Y|`), for any thread count.
@Suite struct MixturePhaseModelTests {
    /// 37 bins × 11 frames, 5 components: some zero activations, a zero template, a silent
    /// mixture bin in every frame and one silent frame; model values down to subnormal floats.
    static func problem() -> (y: ComplexMatrix, h: RealMatrix, u: RealMatrix) {
        var generator = SeededRandomGenerator(seed: 11)
        let bins = 37, frames = 11, components = 5
        var h = RealMatrix(rows: bins, columns: components)
        for k in 0..<components where k != 2 {
            for f in 0..<bins { h[f, k] = Float(generator.nextUnitInterval() * pow(10, -40 * generator.nextUnitInterval())) }
        }
        var u = RealMatrix(rows: components, columns: frames)
        for t in 0..<frames {
            for k in 0..<components where (k + t) % 3 != 0 { u[k, t] = Float(generator.nextUnitInterval()) }
        }
        var y = ComplexMatrix(rows: bins, columns: frames)
        for t in 0..<frames where t != 6 {
            for f in 0..<bins where f != t % bins {
                y.values[2 * (t * bins + f)] = Float(generator.nextUnitInterval() - 0.5)
                y.values[2 * (t * bins + f) + 1] = Float(generator.nextUnitInterval() - 0.5)
            }
        }
        return (y, h, u)
    }

    /// The definition, one value at a time.
    static func expected(_ y: ComplexMatrix, _ h: RealMatrix, _ u: RealMatrix, squareRoot: Bool) -> ComplexMatrix {
        var out = ComplexMatrix(rows: y.rows, columns: y.columns)
        for t in 0..<y.columns {
            for f in 0..<y.rows {
                var model = 0.0
                for k in 0..<h.columns { model += Double(h[f, k]) * Double(u[k, t]) }
                var magnitude = Float(model)
                if squareRoot { magnitude = magnitude.squareRoot() }
                let i = t * y.rows + f
                let re = Double(y.values[2 * i]), im = Double(y.values[2 * i + 1])
                let m = (re * re + im * im).squareRoot()
                out.values[2 * i] = Float(m > 0 ? Double(magnitude) * re / m : Double(magnitude))
                out.values[2 * i + 1] = Float(m > 0 ? Double(magnitude) * im / m : 0)
            }
        }
        return out
    }

    @Test(arguments: [false, true], [1, 2, 3, 16])
    func reconstructionIsTheModelWithTheMixturePhase(squareRoot: Bool, threads: Int) {
        let (y, h, u) = Self.problem()
        let result = MixturePhaseModel.reconstruction(spectrogram: y, basis: h, activations: u, squareRoot: squareRoot, threadCount: threads)
        #expect(result == Self.expected(y, h, u, squareRoot: squareRoot))
        #expect(result.values.allSatisfy { $0.isFinite })
    }
}
