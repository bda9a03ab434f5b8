import ArgumentParser
import ComplexNMF

/// `cnmf complex-nmf SPEC.npy ITERATIONS BASIS.npy` (alias `cnmf cnmf`): Complex NMF with a fixed basis.
struct ComplexNMFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complex-nmf",
        abstract: "Complex NMF (Kameoka et al. 2009) of a complex spectrogram with a fixed basis.",
        discussion: """
            SPEC ≈ Σ_k BASIS[:,k] U[k,:] P[k,:,:], objective Σ|Y − F|² + 2λ ΣU^p. Phases start at \
            the mixture phase Y/|Y| (phase 0 where |Y| = 0); in exact arithmetic they then never \
            move, so the result is sparse magnitude NMF with the mixture phase unless \
            --phase-jitter or --init-phase is given, and that exact form is what runs (Hᵀ|Y| \
            once per frame, then K² work per iteration). Writes into the output directory, \
            replacing existing files like the predecessor: basis_calc.npy (unchanged basis), activation_calc.npy \
            [components × frames] float32, phase_calc.npy complex64 (components, bins, frames), \
            reconst.npy complex64 [bins × frames], cost.npy float64 (one value per iteration), \
            learning_curve.png. Needs about 8·K·F·T bytes of memory for the phases with --phase-jitter or \
            --init-phase, 8·F·T from the default start; phase_calc.npy takes 8·K·F·T bytes on disk.
            """,
        aliases: ["cnmf"]
    )

    @OptionGroup var inputs: FactorizationInputs

    @OptionGroup var model: ComplexNMFOptions

    @Option(name: .customLong("init-phase"), help: "Initial phases .npy, complex (components, bins, frames), instead of the mixture phase.")
    var initialPhases: String?

    func validate() throws {
        if initialPhases != nil && model.phaseJitter > 0 { throw ValidationError("--init-phase and --phase-jitter exclude each other.") }
    }

    func run() throws {
        try reportingErrors {
            try inputs.prepareOutputDirectory()
            let (spectrogram, isComplex) = try inputs.loadSpectrogram()
            if !isComplex && !inputs.quiet {
                printError("note: '\(inputs.spectrogram)' is real; taking it as a spectrogram with zero phase")
            }
            let basis = try inputs.loadBasis(bins: spectrogram.rows)
            // From the default start the phases are kept once per bin and frame (8·F·T bytes) and
            // phase_calc.npy is written frame by frame; any other start holds all 8·K·F·T.
            let sharedPhases = initialPhases == nil && model.phaseJitter == 0
            try MemoryBudget.check(bytes: 8 * (sharedPhases ? 1 : basis.columns) * spectrogram.rows * spectrogram.columns + 40 * spectrogram.rows * spectrogram.columns,
                                   what: "Complex NMF phases for \(basis.columns) components × \(spectrogram.rows) bins × \(spectrogram.columns) frames",
                                   suggestion: "use `cnmf separate`, which streams blocks of frames, or split the spectrogram along frames")
            try DiskBudget.check(bytes: 8 * (basis.columns + 1) * spectrogram.rows * spectrogram.columns, directory: inputs.outputDirectory,
                                 what: "phase_calc.npy and reconst.npy", suggestion: "free space or choose another -o")
            let u0 = try inputs.loadInitialActivations(components: basis.columns, frames: spectrogram.columns)
            let p0 = try initialPhases.map { try PhaseTensor.read(contentsOf: $0, components: basis.columns, bins: spectrogram.rows, frames: spectrogram.columns) }

            var config = ComplexNMFConfiguration()
            config.sparsity = model.sparsity
            config.lambda = model.lambda
            config.phaseJitter = model.phaseJitter
            config.seed = inputs.seed
            config.stopping = inputs.stoppingRule
            if let threads = inputs.threads { config.threadCount = threads }
            let bar = ProgressBar(label: "complex-nmf", quiet: inputs.quiet)
            let result = try ComplexNMF(configuration: config).decompose(
                spectrogram: spectrogram, basis: basis, initialActivations: u0, initialPhases: p0, progress: bar.update)
            bar.finish()

            try NPYArray(basis).write(to: inputs.outputPath("basis_calc.npy"))
            try NPYArray(result.activations).write(to: inputs.outputPath("activation_calc.npy"))
            try result.phases.write(to: inputs.outputPath("phase_calc.npy"))
            try NPYArray(result.reconstruction).write(to: inputs.outputPath("reconst.npy"))
            try NPYArray(result.cost).write(to: inputs.outputPath("cost.npy"))
            try LinePlot.learningCurve(cost: result.cost, method: "Complex NMF (p = \(model.sparsity), λ = \(String(format: "%.3g", result.lambda)))", costName: "Σ|Y − F|² + 2λΣU^p").render(to: inputs.outputPath("learning_curve.png"))
            if !inputs.quiet {
                printError("complex-nmf: \(result.iterations) iterations, λ = \(result.lambda), final cost \(result.cost.last ?? .nan); wrote basis_calc.npy, activation_calc.npy, phase_calc.npy, reconst.npy, cost.npy, learning_curve.png in \(inputs.outputDirectory)")
            }
        }
    }
}
