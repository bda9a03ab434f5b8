import CInstructionSet
import Foundation
import Testing
@testable import ComplexNMF

/// `CNMF_INSTRUCTION_SET` through the command: every level separates alike, the report names the
/// level that ran, and a misspelt value is refused before anything is written.
@Suite struct InstructionSetCommandTests {
    /// A basis from the piano notes, made once for the suite.
    static let basis: String = {
        let dir = TestPaths.temporaryDirectory()
        let notes = ["C4", "E4", "G4", "C5"].map { TestPaths.fixture("notes/piano/\($0).wav") }
        // One column per note and few iterations: quick even in the debug build.
        let run = try? CNMFRun(["basis"] + notes + ["-o", "\(dir)/basis.npy", "--components-per-file", "1", "--iterations", "30", "-q"])
        precondition(run?.status == 0, "basis: \(run?.standardError ?? "did not run")")
        return "\(dir)/basis.npy"
    }()

    static func separate(_ level: KernelInstructionSet, method: String) throws -> (dir: String, run: CNMFRun) {
        let dir = TestPaths.temporaryDirectory()
        let input = TestPaths.fixture("mixtures/piano_chord/mixture.wav")
        let run = try CNMFRun(["separate", input, "--basis", basis, "--method", method, "-o", dir, "-q"],
                              environment: [KernelInstructionSet.environmentVariable: level.rawValue])
        return (dir, run)
    }

    @Test(arguments: ["nmf", "complex-nmf"])
    func everyLevelSeparatesAlikeAndReportsWhatRan(method: String) throws {
        var reference: [[Float]]?
        for level in KernelInstructionSet.allCases {  // portable first: the others are compared with it
            let (dir, run) = try Self.separate(level, method: method)
            #expect(run.status == 0, "\(level): \(run.standardError)")
            let got = try AudioFile.read("\(dir)/reconstruction.wav").channels
            if let expected = reference {
                // The builds differ by fused roundings: a few 16-bit steps at most.
                let difference = zip(got.flatMap { $0 }, expected.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
                #expect(difference <= 4.0 / 32768, "\(method) \(level): reconstruction differs from the portable build's by \(difference)")
            } else {
                #expect((got.flatMap { $0 }.map(abs).max() ?? 0) > 0.05, "\(method): a silent reconstruction")
                reference = got
            }
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/report.json"))) as? [String: Any]
            let parameters = report?["parameters"] as? [String: String]
            let ran = KernelInstructionSet(cnmf_level_resolve(level.level))
            #expect(parameters?["instruction_set"] == ran.rawValue, "\(level)")
        }
    }

    @Test func misspeltLevelIsRefusedBeforeAnythingIsWritten() throws {
        let dir = TestPaths.temporaryDirectory()
        let input = TestPaths.fixture("mixtures/piano_melody/mixture.wav")
        let run = try CNMFRun(["spectrogram", input, "-o", "\(dir)/s.npy", "-q"], environment: [KernelInstructionSet.environmentVariable: "avx-2"])
        #expect(run.status == 64)
        #expect(run.standardError.contains("CNMF_INSTRUCTION_SET = avx-2 is invalid"), "\(run.standardError)")
        #expect(TestPaths.contents(of: dir).isEmpty)
    }
}
