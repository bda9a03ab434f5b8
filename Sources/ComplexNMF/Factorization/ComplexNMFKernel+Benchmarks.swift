/// The fast Complex NMF kernel on caller-owned arrays, for `cnmf-bench` only
/// (`@_spi(Benchmarks) import ComplexNMF`): it times the iterations without the allocation and
/// first touch of a fresh phase tensor, which `ComplexNMF.decompose` pays on every call.
@_spi(Benchmarks)
public enum ComplexNMFKernelBenchmark {
    /// Which AVX-512 loops to time: the ones `ComplexNMF` takes for K, or either layout forced
    /// (portable wherever the CPU lacks AVX-512).
    public enum Loops: String, CaseIterable, Sendable {
        /// Vectors over 16 bins below 192 components, over 16 components from 192 on.
        case automatic
        /// Vectors over 16 bins (one component each), whatever K.
        case tiles
        /// Vectors over 16 components (one bin each), whatever K.
        case componentMajor = "component-major"
        /// The plain-C loops built for AVX2 + FMA (CPUs without AVX-512 that have them).
        case avx2
        /// The plain-C loops built for the baseline target (any CPU).
        case portable

        var instructionSet: ComplexNMFKernel.InstructionSet {
            switch self {
            case .automatic: .automatic
            case .tiles: .avx512Tiles
            case .componentMajor: .avx512ComponentMajor
            case .avx2: .avx2
            case .portable: .portable
            }
        }
    }

    /// The per-(k, f) loops `loops` runs for K components on this CPU: "portable", "avx2",
    /// "avx512-tiles" or "avx512-component-major".
    public static func loopsInUse(components: Int, loops: Loops = .automatic) -> String {
        let basis = RealMatrix(rows: 1, columns: max(1, components), repeating: 1)
        switch ComplexNMFKernel(basis: basis, lambda: 0, sparsity: 1.2, instructionSet: loops.instructionSet).instructionSet {
        case .avx512Tiles: return "avx512-tiles"
        case .avx512ComponentMajor: return "avx512-component-major"
        case .avx2: return "avx2"
        default: return "portable"
        }
    }

    /// Runs `iterations` updates of every frame, frame-major on `threads` threads, starting each
    /// frame at the mixture phase (whatever `phases` holds) and at `activations` (floored);
    /// writes the final phases and activations in place and returns the cost after each iteration.
    /// Same arithmetic as `ComplexNMF.decompose` with a fixed number of iterations.
    public static func run(spectrogram: ComplexMatrix, basis: RealMatrix, lambda: Double, sparsity: Double,
                           activations: inout RealMatrix, phases: inout PhaseTensor, iterations: Int, threads: Int,
                           loops: Loops = .automatic) -> [Double] {
        precondition(phases.components == basis.columns && phases.bins == spectrogram.rows && phases.frames == spectrogram.columns)
        precondition(!phases.isSharedAcrossComponents, "the kernel works on the per-component layout")
        precondition(activations.rows == basis.columns && activations.columns == spectrogram.columns)
        for i in 0..<activations.values.count {
            activations.values[i] = max(activations.values[i], NumericalGuards.activationFloor)
        }
        let kernel = ComplexNMFKernel(basis: basis, lambda: lambda, sparsity: sparsity, instructionSet: loops.instructionSet)
        let run = activations.values.withUnsafeMutableBufferPointer { u in
            phases.values.withUnsafeMutableBufferPointer { p in
                kernel.runFrameMajor(spectrogram: spectrogram, activations: u, phases: p, start: .mixture,
                                     iterations: iterations, threads: max(1, min(threads, spectrogram.columns)))
            }
        }
        return run.cost
    }
}

@_spi(Benchmarks)
extension ComplexNMF {
    /// `decompose(spectrogram:basis:initialActivations:initialPhases:)` on the loops `loops` (so
    /// that the shared-phase shortcut and the general sweep of a CPU without AVX-512 can be timed
    /// end to end on one that has it).
    public func decompose(spectrogram: ComplexMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          initialPhases: PhaseTensor?, loops: ComplexNMFKernelBenchmark.Loops) throws -> ComplexNMFResult {
        try decompose(spectrogram: spectrogram, basis: basis, initialActivations: initialActivations, initialPhases: initialPhases,
                      frameOffset: 0, stream: 0, instructionSet: loops.instructionSet, progress: nil)
    }
}
