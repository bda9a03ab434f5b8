import ArgumentParser
import ComplexNMF

/// `cnmf nmf SPEC.npy ITERATIONS BASIS.npy`: magnitude NMF with a fixed basis.
struct NMFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmf",
        abstract: "Magnitude NMF of a spectrogram with a fixed basis (activations only).",
        discussion: """
            V = |SPEC| ≈ BASIS · U, multiplicative updates of U only (the basis is never \
            modified). Writes into the output directory, replacing existing files like the \
            predecessor: basis_calc.npy (the basis, unchanged), activation_calc.npy \
            [components × frames] float32, reconst.npy (H·U, [bins × frames] float32), \
            cost.npy (float64, one value per iteration), learning_curve.png.
            """
    )

    @OptionGroup var inputs: FactorizationInputs

    @Option(help: "Divergence: euclid (½‖V−HU‖², the predecessor's), kl (Kullback–Leibler), beta0.5 or is (Itakura–Saito).")
    var divergence: Divergence = .euclidean

    func run() throws {
        try reportingErrors {
            try inputs.prepareOutputDirectory()
            let (spectrogram, _) = try inputs.loadSpectrogram()
            let basis = try inputs.loadBasis(bins: spectrogram.rows)
            // V in double and float, the model, reconst.npy; U and its update in double.
            let cells = spectrogram.rows * spectrogram.columns
            try MemoryBudget.check(bytes: 24 * cells + 24 * basis.columns * spectrogram.columns,
                                   what: "NMF of \(spectrogram.rows) bins × \(spectrogram.columns) frames with \(basis.columns) components",
                                   suggestion: "use `cnmf separate`, which streams blocks of frames, or split the spectrogram along frames")
            try DiskBudget.check(bytes: 4 * cells + 4 * basis.columns * spectrogram.columns, directory: inputs.outputDirectory,
                                 what: "reconst.npy and activation_calc.npy", suggestion: "free space or choose another -o")
            let u0 = try inputs.loadInitialActivations(components: basis.columns, frames: spectrogram.columns)

            var config = NMFConfiguration()
            config.divergence = divergence
            config.stopping = inputs.stoppingRule
            if let threads = inputs.threads { config.threadCount = threads }
            let bar = ProgressBar(label: "nmf", quiet: inputs.quiet)
            let result = try NMF(configuration: config).decompose(
                magnitudes: spectrogram.magnitudes(), basis: basis, initialActivations: u0, progress: bar.update)
            bar.finish()

            let reconstruction = MatrixProduct.multiply(basis, result.activations, threadCount: config.threadCount)
            try NPYArray(basis).write(to: inputs.outputPath("basis_calc.npy"))
            try NPYArray(result.activations).write(to: inputs.outputPath("activation_calc.npy"))
            try NPYArray(reconstruction).write(to: inputs.outputPath("reconst.npy"))
            try NPYArray(result.cost).write(to: inputs.outputPath("cost.npy"))
            try LinePlot.learningCurve(cost: result.cost, method: "NMF (\(divergence.rawValue))", costName: divergence.costName)
                .render(to: inputs.outputPath("learning_curve.png"))
            if !inputs.quiet {
                printError("nmf: \(result.iterations) iterations, final cost \(result.cost.last ?? .nan); wrote basis_calc.npy, activation_calc.npy [\(basis.columns) × \(spectrogram.columns)], reconst.npy, cost.npy, learning_curve.png in \(inputs.outputDirectory)")
            }
        }
    }
}

extension Divergence: ExpressibleByArgument {}
