import CInstructionSet
import Foundation

/// The build of the C kernels' loops a process runs (NMF, Complex NMF, consistent Wiener
/// filtering, resynthesis and overlap-add): each is compiled for these levels and one is chosen
/// at run time, the best the CPU supports unless the environment variable
/// `CNMF_INSTRUCTION_SET` caps it (read once per process). Every level gives results equal to
/// float rounding (the AVX-512 and AVX2 builds fuse multiply-adds), each the same from run to
/// run and for any thread count.
public enum KernelInstructionSet: String, CaseIterable, Sendable {
    /// The plain loops built for any CPU of the architecture (x86-64: SSE2).
    case portable
    /// The same loops built for AVX2 + FMA (x86-64-v3; the best of CPUs without AVX-512, such as
    /// Intel's client CPUs since Alder Lake and AMD's before Zen 4).
    case avx2
    /// The AVX-512 (F, DQ, VL, BW) loops.
    case avx512

    /// The environment variable that caps the automatic choice: `portable`, `avx2` or `avx512`
    /// (any case).
    public static let environmentVariable = "CNMF_INSTRUCTION_SET"

    /// The best level this CPU runs.
    public static var supported: KernelInstructionSet { Self(cnmf_level_supported()) }

    /// The level the kernels run in this process: `supported`, capped by `environmentVariable`.
    public static var selected: KernelInstructionSet { Self(cnmf_level_resolve(CNMF_LEVEL_AUTOMATIC)) }

    /// The level `environmentVariable` asks for: nil when it is unset or empty.
    /// - Throws: `ComplexNMFError.invalidParameter` naming the variable and its value when it is
    ///   none of the levels (the kernels then ignore it).
    public static func requested(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelInstructionSet? {
        guard let value = environment[environmentVariable], !value.isEmpty else { return nil }
        let level = cnmf_level_parse(value)
        guard level != CNMF_LEVEL_AUTOMATIC else {
            throw ComplexNMFError.invalidParameter(name: environmentVariable, value: value,
                                                   expectation: "must be portable, avx2 or avx512 (any case), or unset")
        }
        return Self(level)
    }

    /// The C level of this case.
    var level: cnmf_level {
        switch self {
        case .portable: CNMF_LEVEL_PORTABLE
        case .avx2: CNMF_LEVEL_AVX2
        case .avx512: CNMF_LEVEL_AVX512
        }
    }

    /// The case of a resolved C level (never `CNMF_LEVEL_AUTOMATIC`).
    init(_ level: cnmf_level) {
        switch level {
        case CNMF_LEVEL_AVX512: self = .avx512
        case CNMF_LEVEL_AVX2: self = .avx2
        default: self = .portable
        }
    }
}
