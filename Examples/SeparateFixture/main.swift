// Separates the embedded fixture through the library API (no command-line layer):
// learns a basis from the isolated piano notes, separates the chord mixture with Complex NMF,
// keeps the components in memory and prints each one's energy and SI-SDR-free summary.
//
//     swift run separate-fixture [REPOSITORY_ROOT]
import ComplexNMF
import Foundation

let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : FileManager.default.currentDirectoryPath
let notes = ["C4", "E4", "G4", "C5"].map { "\(root)/Fixtures/notes/piano/\($0).wav" }

do {
    // 1. A basis: six templates per note recording (the default), summed into one output per note.
    let (basis, _) = try BasisLearner().learn(from: notes)

    // 2. The pipeline, configured as a value.
    var configuration = SeparationConfiguration()
    configuration.method = .complexNMF
    configuration.componentSignal = .consistent
    configuration.iterations = 50
    let pipeline = try SeparationPipeline(basis: basis, configuration: configuration)

    // 3. Components straight into memory.
    let sink = MemorySeparationSink()
    let mixture = try AudioFile.read("\(root)/Fixtures/mixtures/piano_chord/mixture.wav")
    let summary = try pipeline.run(signal: mixture, sink: sink)

    print("separated \(mixture.duration) s in \(String(format: "%.2f", summary.seconds)) s, final cost \(summary.cost.last ?? .nan)")
    for (name, component) in zip(pipeline.groups.names, sink.outputs) {
        let energy = component.channels[0].reduce(0) { $0 + Double($1) * Double($1) }
        print("  \(name): \(component.frameCount) samples, energy \(String(format: "%.3f", energy))")
    }
    // Mixture-consistent components add up to the input.
    var worst: Float = 0
    for i in 0..<mixture.frameCount {
        let sum = sink.outputs.reduce(Float(0)) { $0 + $1.channels[0][i] }
        worst = max(worst, abs(sum - mixture.channels[0][i]))
    }
    print("  max |Σ components − mixture| = \(worst)")
} catch {
    FileHandle.standardError.write(Data("separate-fixture: \(error)\n".utf8))
    exit(1)
}
