import CInstructionSet
import Testing
@testable import ComplexNMF

/// The kernels' run-time choice of instruction set: names, the environment variable, and the cap
/// by what the CPU runs.
@Suite struct KernelInstructionSetTests {
    @Test func levelsAreParsedByNameInAnyCase() {
        #expect(cnmf_level_parse("portable") == CNMF_LEVEL_PORTABLE)
        #expect(cnmf_level_parse("AVX2") == CNMF_LEVEL_AVX2)
        #expect(cnmf_level_parse("Avx512") == CNMF_LEVEL_AVX512)
        for unknown in ["", "avx", "avx-512", "sse2", "avx2 "] {
            #expect(cnmf_level_parse(unknown) == CNMF_LEVEL_AUTOMATIC, "\(unknown)")
        }
        #expect(cnmf_level_parse(nil) == CNMF_LEVEL_AUTOMATIC)
    }

    @Test func theEnvironmentVariableIsReadOrRefusedWithItsValue() throws {
        #expect(try KernelInstructionSet.requested(environment: [:]) == nil)
        #expect(try KernelInstructionSet.requested(environment: ["CNMF_INSTRUCTION_SET": ""]) == nil)
        #expect(try KernelInstructionSet.requested(environment: ["CNMF_INSTRUCTION_SET": "AVX2"]) == .avx2)
        #expect(try KernelInstructionSet.requested(environment: ["CNMF_INSTRUCTION_SET": "portable"]) == .portable)
        #expect {
            try KernelInstructionSet.requested(environment: ["CNMF_INSTRUCTION_SET": "sse4"])
        } throws: { error in
            guard case let .invalidParameter(name, value, _) = error as? ComplexNMFError else { return false }
            return name == "CNMF_INSTRUCTION_SET" && value == "sse4"
        }
    }

    @Test func everyLevelIsCappedByWhatTheCPURuns() throws {
        let supported = cnmf_level_supported()
        #expect(supported != CNMF_LEVEL_AUTOMATIC)
        for level in KernelInstructionSet.allCases {
            #expect(cnmf_level_resolve(level.level).rawValue == min(level.level.rawValue, supported.rawValue), "\(level)")
        }
        // The automatic choice: the CPU's best, capped by this process's CNMF_INSTRUCTION_SET.
        let cap = try KernelInstructionSet.requested()?.level.rawValue ?? supported.rawValue
        #expect(KernelInstructionSet.selected.level.rawValue == min(cap, supported.rawValue))
        #expect(KernelInstructionSet.supported.level == supported)
    }
}
