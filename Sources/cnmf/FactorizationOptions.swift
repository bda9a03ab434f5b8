import ArgumentParser
import ComplexNMF
import Foundation

/// Inputs and flags shared by `nmf` and `complex-nmf` (the predecessor's positional arguments).
struct FactorizationInputs: ParsableArguments {
    @Argument(help: "Spectrogram .npy [bins × frames]: complex64/complex128 (or float32/float64 magnitudes), C or Fortran order.")
    var spectrogram: String

    @Argument(help: "Maximum number of iterations (≥ 1).")
    var iterations: Int

    @Argument(help: "Fixed basis .npy [bins × components], float32/float64, finite and ≥ 0. Never modified.")
    var basis: String

    @Option(name: [.short, .customLong("output")], help: "Output directory (created if missing).")
    var outputDirectory: String = "."

    @Option(parsing: .unconditional, help: "Stop once the cost falls below this value (after at least 20 iterations).")
    var thr: Double?

    @Option(parsing: .unconditional, help: "Stop when one iteration lowers the cost by less than this fraction of it.")
    var tol: Double?

    @Option(help: "Seed of the half-normal |N(0,1)| initial activations.")
    var seed: UInt64 = 0

    @Option(name: .customLong("init-activation"), help: "Initial activations .npy [components × frames] instead of random ones.")
    var initialActivations: String?

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Flag(name: [.short, .long], help: "No progress bar or summary; errors only.")
    var quiet = false

    func validate() throws {
        if iterations < 1 { throw ValidationError("ITERATIONS must be at least 1, not \(iterations).") }
        if let thr, !(thr.isFinite && thr >= 0) { throw ValidationError("--thr must be a finite cost ≥ 0, not \(thr).") }
        if let tol, !(tol.isFinite && tol >= 0) { throw ValidationError("--tol must be a finite fraction ≥ 0, not \(tol).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads).") }
    }

    var stoppingRule: StoppingRule {
        StoppingRule(maximumIterations: iterations, costThreshold: thr, relativeTolerance: tol)
    }

    /// The spectrogram as one complex matrix, whether the file is complex or real, and whether it was complex.
    func loadSpectrogram() throws -> (ComplexMatrix, isComplex: Bool) {
        let array = try NPYArray.read(contentsOf: spectrogram)
        if array.shape.count == 3 && array.shape[0] != 1 {
            throw ComplexNMFError.invalidContent(path: spectrogram, reason: "it has \(array.shape[0]) channels (shape \(array.shape)); factorise one channel: make it with `cnmf spectrogram --mono` or `--channel N`")
        }
        let matrix = try array.complexMatrices(path: spectrogram)[0]
        if let bad = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw ComplexNMFError.invalidContent(path: spectrogram, reason: "element [bin \((bad / 2) % matrix.rows), frame \((bad / 2) / matrix.rows)] is \(matrix.values[bad]); a spectrogram must be finite")
        }
        return (matrix, array.scalarType.isComplex)
    }

    /// The basis, validated against `bins`; warnings go to stderr.
    func loadBasis(bins: Int) throws -> RealMatrix {
        let basis = try NPYArray.read(contentsOf: self.basis).realMatrix(path: self.basis)
        for warning in try BasisValidation.validate(basis, path: self.basis, spectrogramBins: bins, spectrogramPath: spectrogram) where !quiet {
            printError("warning: \(warning)")
        }
        return basis
    }

    /// `U0` from `--init-activation` or the seeded half-normal initialiser.
    func loadInitialActivations(components: Int, frames: Int) throws -> RealMatrix {
        guard let initialActivations else {
            return ActivationInitializer.halfNormal(components: components, frames: frames, seed: seed)
        }
        let u = try NPYArray.read(contentsOf: initialActivations).realMatrix(path: initialActivations)
        try ActivationInitializer.validate(u, components: components, frames: frames, path: initialActivations)
        return u
    }

    /// Creates the output directory if needed and checks it is writable.
    func prepareOutputDirectory() throws {
        try OutputDirectory.prepare(outputDirectory)
    }

    /// `<output directory>/<name>`.
    func outputPath(_ name: String) -> String {
        URL(fileURLWithPath: outputDirectory).appendingPathComponent(name).path
    }
}
