/// The fast Complex NMF kernel on caller-owned arrays, for `cnmf-bench` only
/// (`@_spi(Benchmarks) import ComplexNMF`): it times the iterations without the allocation and
/// first touch of a fresh phase tensor, which `ComplexNMF.decompose` pays on every call.
@_spi(Benchmarks)
public enum ComplexNMFKernelBenchmark {
    /// The instruction set of the per-(k, f) loops on this CPU: "avx512" or "portable".
    public static var instructionSet: String {
        let kernel = ComplexNMFKernel(basis: RealMatrix(rows: 1, columns: 1, repeating: 1), lambda: 0, sparsity: 1.2)
        return kernel.instructionSet == .avx512 ? "avx512" : "portable"
    }

    /// Runs `iterations` updates of every frame, frame-major on `threads` threads, starting each
    /// frame at the mixture phase (whatever `phases` holds) and at `activations` (floored);
    /// writes the final phases and activations in place and returns the cost after each iteration.
    /// Same arithmetic as `ComplexNMF.decompose` with a fixed number of iterations.
    public static func run(spectrogram: ComplexMatrix, basis: RealMatrix, lambda: Double, sparsity: Double,
                           activations: inout RealMatrix, phases: inout PhaseTensor, iterations: Int, threads: Int) -> [Double] {
        precondition(phases.components == basis.columns && phases.bins == spectrogram.rows && phases.frames == spectrogram.columns)
        precondition(!phases.isSharedAcrossComponents, "the kernel works on the per-component layout")
        precondition(activations.rows == basis.columns && activations.columns == spectrogram.columns)
        for i in 0..<activations.values.count {
            activations.values[i] = max(activations.values[i], NumericalGuards.activationFloor)
        }
        let kernel = ComplexNMFKernel(basis: basis, lambda: lambda, sparsity: sparsity)
        let run = activations.values.withUnsafeMutableBufferPointer { u in
            phases.values.withUnsafeMutableBufferPointer { p in
                kernel.runFrameMajor(spectrogram: spectrogram, activations: u, phases: p, start: .mixture,
                                     iterations: iterations, threads: max(1, min(threads, spectrogram.columns)))
            }
        }
        return run.cost
    }
}
