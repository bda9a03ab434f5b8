import Foundation
@testable import ComplexNMF

/// A small real separation problem from the rendered fixtures: the piano chord mixture's STFT
/// and a basis of mean note magnitudes (one column per isolated piano note, unit sum).
enum FixtureProblem {
    static let configuration = STFTConfiguration(fftSize: 512, hopLength: 256)

    static func make(frames: Int = 40) throws -> (spectrogram: ComplexMatrix, basis: RealMatrix) {
        let stft = try ShortTimeFourierTransform(configuration: configuration)
        let mixture = try AudioFile.read(TestPaths.fixture("mixtures/piano_chord/mixture.wav")).channels[0]
        let full = stft.forward(mixture)
        let count = min(frames, full.columns)
        let spectrogram = ComplexMatrix(rows: full.rows, columns: count, values: Array(full.values[0..<(2 * full.rows * count)]))
        let notes = ["C4", "E4", "G4", "C5"]
        var basis = RealMatrix(rows: configuration.binCount, columns: notes.count)
        for (k, note) in notes.enumerated() {
            let magnitudes = stft.forward(try AudioFile.read(TestPaths.fixture("notes/piano/\(note).wav")).channels[0]).magnitudes()
            var column = [Double](repeating: 0, count: magnitudes.rows)
            for t in 0..<magnitudes.columns { for f in 0..<magnitudes.rows { column[f] += Double(magnitudes[f, t]) } }
            let total = column.reduce(0, +)
            for f in 0..<magnitudes.rows { basis[f, k] = Float(column[f] / total) }
        }
        return (spectrogram, basis)
    }
}

/// `Σ_k H[:,k] U[k,:] P[k,:,:]` recomputed from a result, in Double.
func modelFromComponents(basis: RealMatrix, activations: RealMatrix, phases: PhaseTensor) -> [Double] {
    let bins = basis.rows, components = basis.columns, frames = activations.columns
    let phases = phases.expanded()
    var model = [Double](repeating: 0, count: 2 * bins * frames)
    for t in 0..<frames {
        for f in 0..<bins {
            for k in 0..<components {
                let c = Double(basis[f, k]) * Double(activations[k, t])
                let i = 2 * (k + components * (f + bins * t))
                model[2 * (t * bins + f)] += c * Double(phases.values[i])
                model[2 * (t * bins + f) + 1] += c * Double(phases.values[i + 1])
            }
        }
    }
    return model
}
