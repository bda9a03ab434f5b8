/// The NMF kernel's loops forced, for `cnmf-bench` only (`@_spi(Benchmarks) import ComplexNMF`):
/// what a CPU without AVX-512 runs can be timed on one that has it.
@_spi(Benchmarks)
public enum NMFKernelLoops: String, CaseIterable, Sendable {
    /// The loops `NMF` takes on this CPU (AVX-512, else AVX2 + FMA, else portable).
    case automatic
    /// The plain-C loops built for AVX2 + FMA (portable where the CPU lacks them).
    case avx2
    /// The plain-C loops built for the baseline target (any CPU).
    case portable

    var instructionSet: BetaNMFKernel.InstructionSet {
        switch self {
        case .automatic: .automatic
        case .avx2: .avx2
        case .portable: .portable
        }
    }
}

@_spi(Benchmarks)
extension NMF {
    /// `decompose(magnitudes:basis:initialActivations:)` on the loops `loops`; returns the result
    /// and the loops that ran ("avx512", "avx2" or "portable").
    public func decompose(magnitudes: RealMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          loops: NMFKernelLoops) throws -> (result: NMFResult, loops: String) {
        let kernel = BetaNMFKernel(basis: basis, divergence: configuration.divergence, instructionSet: loops.instructionSet)
        let result = try decompose(magnitudes: magnitudes, basis: basis, initialActivations: initialActivations, kernel: kernel, progress: nil)
        let name = switch kernel.instructionSet {
        case .avx512: "avx512"
        case .avx2: "avx2"
        default: "portable"
        }
        return (result, name)
    }
}
