import Foundation
import Testing
@testable import ComplexNMF

/// NMF and Complex NMF against the independent float64 numpy reference
/// (`Tests/Golden/reference_factorization.py`, goldens by `make_factorization_golden.py`).
/// Cases that start from the mixture phase were made with the reference's factored form: that
/// start is an unstable fixed point the literal β-form leaves through rounding noise (see the
/// manifest), so only a symmetry-preserving implementation can be compared tightly.
@Suite struct FactorizationGoldenTests {
    nonisolated(unsafe) static let manifest = try! GoldenManifest("factorization")
    nonisolated(unsafe) static let cases = manifest.root.list("cases")
    static let nmfCases = cases.filter { $0.string("algorithm") == "nmf" }.map { $0.string("name") }
    static let complexCases = cases.filter { $0.string("algorithm") == "complex_nmf" }.map { $0.string("name") }

    static func entry(_ name: String) -> [String: Any] { cases.first { $0.string("name") == name }! }
    static func load(_ file: String) throws -> NPYArray { try NPYArray.read(contentsOf: manifest.path(file)) }

    /// Float32 engine vs float64 reference.
    static let tolerance = 1e-4

    @Test(arguments: nmfCases)
    func nmfMatchesTheNumpyReference(name: String) throws {
        let entry = Self.entry(name), inputs = entry.dict("inputs"), outputs = entry.dict("outputs"), params = entry.dict("parameters")
        let y = try Self.load(inputs.string("Y")).complexMatrices(path: "Y")[0]
        let h = try Self.load(inputs.string("H")).realMatrix(path: "H")
        let u0 = try Self.load(inputs.string("U0")).realMatrix(path: "U0")
        var config = NMFConfiguration()
        config.divergence = Divergence(rawValue: params.string("divergence"))!
        config.stopping = StoppingRule(maximumIterations: params.int("iterations"))
        let result = try NMF(configuration: config).decompose(magnitudes: y.magnitudes(), basis: h, initialActivations: u0)
        #expect(result.iterations == entry.int("iterations_run"))
        let activations = try Self.load(outputs.string("activations")).realMatrix(path: "U")
        #expect(relativeError(result.activations.values.map(Double.init), activations.values.map(Double.init)) < Self.tolerance)
        let cost = try Self.load(outputs.string("cost")).realValuesInCOrder()
        #expect(relativeError(result.cost, cost) < Self.tolerance)
        let reconstruction = try Self.load(outputs.string("reconstruction")).realMatrix(path: "HU")
        #expect(relativeError(MatrixProduct.multiply(h, result.activations).values.map(Double.init), reconstruction.values.map(Double.init)) < Self.tolerance)
    }

    @Test(arguments: complexCases)
    func complexNMFMatchesTheNumpyReference(name: String) throws {
        let entry = Self.entry(name), inputs = entry.dict("inputs"), outputs = entry.dict("outputs"), params = entry.dict("parameters")
        let y = try Self.load(inputs.string("Y")).complexMatrices(path: "Y")[0]
        let h = try Self.load(inputs.string("H")).realMatrix(path: "H")
        let u0 = try Self.load(inputs.string("U0")).realMatrix(path: "U0")
        let p0 = try (inputs["P0"] as? String).map {
            try PhaseTensor.read(contentsOf: Self.manifest.path($0), components: h.columns, bins: y.rows, frames: y.columns)
        }
        var config = ComplexNMFConfiguration()
        config.sparsity = params.double("p")
        config.lambda = params.double("lambda")
        config.stopping = StoppingRule(maximumIterations: params.int("iterations"),
                                       costThreshold: params.optionalDouble("thr"), relativeTolerance: params.optionalDouble("tol"))
        let result = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0, initialPhases: p0)

        #expect(result.iterations == entry.int("iterations_run"), "\(name): iterations")
        let activations = try Self.load(outputs.string("activations")).realMatrix(path: "U")
        let activationError = relativeError(result.activations.values.map(Double.init), activations.values.map(Double.init))
        #expect(activationError < Self.tolerance, "\(name): activations differ by \(activationError)")
        let cost = try Self.load(outputs.string("cost")).realValuesInCOrder()
        #expect(relativeError(result.cost, cost) < Self.tolerance, "\(name): cost")
        if let file = outputs["reconstruction"] as? String {
            let reference = try Self.load(file).complexMatrices(path: "F")[0]
            let error = relativeError(result.reconstruction.values.map(Double.init), reference.values.map(Double.init))
            #expect(error < Self.tolerance, "\(name): reconstruction differs by \(error)")
        }
        if let file = outputs["phases"] as? String {
            // Phases compared with weight H·U: where a component is silent its phase is arbitrary.
            let reference = try Self.load(file).complexValuesInCOrder()
            let phases = result.phases.expanded()
            var weighted = 0.0, weight = 0.0
            for k in 0..<h.columns {
                for f in 0..<y.rows {
                    for t in 0..<y.columns {
                        let c = Double(h[f, k]) * Double(result.activations[k, t])
                        let i = 2 * (k + h.columns * (f + y.rows * t))
                        let (re, im) = reference[(k * y.rows + f) * y.columns + t]
                        let difference = ((Double(phases.values[i]) - re) * (Double(phases.values[i]) - re)
                            + (Double(phases.values[i + 1]) - im) * (Double(phases.values[i + 1]) - im)).squareRoot()
                        weighted += c * difference
                        weight += c
                    }
                }
            }
            #expect(weighted / weight < Self.tolerance, "\(name): H·U-weighted phase difference \(weighted / weight)")
        }
    }

    @Test func edgeCaseHasExactZerosWhereTheManifestSays() throws {
        let entry = Self.entry("cnmf_edge"), inputs = entry.dict("inputs"), params = entry.dict("parameters")
        let y = try Self.load(inputs.string("Y")).complexMatrices(path: "Y")[0]
        let h = try Self.load(inputs.string("H")).realMatrix(path: "H")
        let u0 = try Self.load(inputs.string("U0")).realMatrix(path: "U0")
        var config = ComplexNMFConfiguration()
        config.stopping = StoppingRule(maximumIterations: params.int("iterations"))
        let result = try ComplexNMF(configuration: config).decompose(spectrogram: y, basis: h, initialActivations: u0)
        for t in params.ints("silent_frames") { for k in 0..<h.columns { #expect(result.activations[k, t] == 0) } }
        for t in 0..<y.columns { #expect(result.activations[params.int("zero_basis_column"), t] == 0) }
        #expect(result.activations.values.allSatisfy { $0.isFinite } && result.reconstruction.values.allSatisfy { $0.isFinite })
    }
}
