import Foundation
import Testing
@testable import ComplexNMF

/// Runs the built `cnmf` executable (it sits next to the test bundle).
struct CNMFRun {
    let status: Int32
    let standardError: String

    static let executable: String = {
        let testBinary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("cnmf").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("cnmf").path
    }()

    /// Runs `cnmf arguments`; with `fileSizeLimitBlocks`, under `ulimit -f` (512- or 1024-byte
    /// blocks, by shell), so that writes beyond it fail like on a full disk; `environment` is
    /// added to this process's.
    init(_ arguments: [String], in directory: String? = nil, fileSizeLimitBlocks: Int? = nil, environment: [String: String] = [:]) throws {
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        if let limit = fileSizeLimitBlocks {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -f \(limit) && exec \"$0\" \"$@\"", Self.executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        standardError = String(decoding: data, as: UTF8.self)
    }
}

@Suite struct CommandLineTests {
    @Test func executableIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: CNMFRun.executable), "\(CNMFRun.executable)")
    }

    @Test(arguments: ["spectrogram", "resynth", "nmf", "complex-nmf", "basis", "separate"])
    func everyCommandHasHelp(command: String) throws {
        let run = try CNMFRun([command, "--help"])
        #expect(run.status == 0)
    }

    @Test func spectrogramThenResynthRestoresTheWav() throws {
        let dir = TestPaths.temporaryDirectory()
        let input = TestPaths.fixture("mixtures/piano_melody/mixture.wav")
        #expect(try CNMFRun(["spectrogram", input, "-o", "\(dir)/s.npy", "-q"]).status == 0)
        #expect(try CNMFRun(["resynth", "\(dir)/s.npy", "-o", "\(dir)/r.wav", "-q"]).status == 0)
        #expect(try AudioFile.read("\(dir)/r.wav") == AudioFile.read(input))
        // No stray temporary files.
        #expect(TestPaths.contents(of: dir) == ["r.wav", "s.json", "s.npy"])
    }

    @Test func complexNMFWritesEveryPredecessorOutput() throws {
        let dir = TestPaths.temporaryDirectory()
        let golden = TestPaths.golden("factorization")
        let run = try CNMFRun(["complex-nmf", "\(golden)/input_Y.npy", "5", "\(golden)/input_H.npy", "-o", dir, "-q"])
        #expect(run.status == 0, "\(run.standardError)")
        for name in ["basis_calc.npy", "activation_calc.npy", "phase_calc.npy", "reconst.npy", "cost.npy", "learning_curve.png"] {
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)"), "\(name)")
        }
        #expect(try NPYArray.read(contentsOf: "\(dir)/phase_calc.npy").shape == [4, 257, 40])
        #expect(try NPYArray.read(contentsOf: "\(dir)/cost.npy").shape == [5])
        // The basis is bit-for-bit unchanged.
        #expect(try NPYArray.read(contentsOf: "\(dir)/basis_calc.npy").realMatrix(path: "") == NPYArray.read(contentsOf: "\(golden)/input_H.npy").realMatrix(path: ""))
    }

    @Test(arguments: [
        (["spectrogram", "/nonexistent.wav", "-o", "/tmp/x.npy"], Int32(65), "no such file"),
        (["resynth", "/nonexistent.npy"], 65, "no such file"),
        (["complex-nmf", "Y", "0", "H"], 64, "ITERATIONS"),
        (["complex-nmf", "Y", "5", "H", "--sparsity-p", "2"], 64, "sparsity-p"),
        (["complex-nmf", "Y", "5", "H", "--thr", "nan"], 64, "thr"),
        (["complex-nmf", "Y", "5", "H", "--lambda", "-1"], 64, "lambda"),
        (["spectrogram", "x.wav", "--hop", "0"], 64, "hop"),
        (["separate", "x.wav", "--basis", "/nonexistent.npy"], 65, "no such file"),
        (["separate", "x.wav", "--basis", "b.npy", "--method", "complex-nmf", "--consistency-iterations", "5"], 64, "go with --method nmf"),
        (["separate", "x.wav", "--basis", "b.npy", "--consistency-iterations", "-1"], 64, "--consistency-iterations"),
        (["separate", "x.wav", "--basis", "b.npy", "--consistency-weight", "inf"], 64, "--consistency-weight"),
        (["separate", "x.wav", "--basis", "b.npy", "--consistency-chunk", "0"], 64, "--consistency-chunk"),
        (["no-such-command"], 64, "unexpected"),
    ] as [([String], Int32, String)])
    func badArgumentsGiveOneClearLineAndADocumentedStatus(arguments: [String], status: Int32, phrase: String) throws {
        let run = try CNMFRun(arguments, in: TestPaths.temporaryDirectory())
        #expect(run.status == status, "\(arguments): \(run.standardError)")
        #expect(run.standardError.lowercased().contains(phrase.lowercased()), "\(run.standardError)")
    }

    @Test func basisWithOtherBinsNamesBothNumbers() throws {
        let dir = TestPaths.temporaryDirectory()
        let golden = TestPaths.golden("factorization")
        try NPYArray(RealMatrix(rows: 513, columns: 2, repeating: 0.01)).write(to: "\(dir)/b.npy")
        let run = try CNMFRun(["complex-nmf", "\(golden)/input_Y.npy", "3", "\(dir)/b.npy", "-o", "\(dir)/out"])
        #expect(run.status == 65)
        #expect(run.standardError.contains("257") && run.standardError.contains("513"), "\(run.standardError)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out/activation_calc.npy"))
    }

    @Test func existingOutputsAreNotClobberedWithoutOverwrite() throws {
        let dir = TestPaths.temporaryDirectory()
        let input = TestPaths.fixture("notes/piano/C4.wav")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: "\(dir)/s.npy"))
        let run = try CNMFRun(["spectrogram", input, "-o", "\(dir)/s.npy"])
        #expect(run.status == 73 && run.standardError.contains("--overwrite"))
        #expect(try String(contentsOfFile: "\(dir)/s.npy", encoding: .utf8) == "keep me")
        #expect(try CNMFRun(["spectrogram", input, "-o", "\(dir)/s.npy", "--overwrite", "-q"]).status == 0)
    }

    @Test func fullDiskDuringSeparationLeavesNothingBehindAndSaysWhatWasNotWritten() throws {
        let dir = TestPaths.temporaryDirectory()
        let notes = ["C4", "E4", "G4"].map { TestPaths.fixture("notes/piano/\($0).wav") }
        #expect(try CNMFRun(["basis"] + notes + ["-o", "\(dir)/basis.npy", "-q"]).status == 0)
        // Every output WAV outgrows the limit (tens of kB) long before the end of the mixture.
        let run = try CNMFRun(["separate", TestPaths.fixture("mixtures/piano_chord/mixture.wav"), "--basis", "\(dir)/basis.npy",
                               "-o", "\(dir)/out/separated", "--iterations", "3", "-q"], fileSizeLimitBlocks: 40)
        #expect(run.status == 73, "\(run.status): \(run.standardError)")
        #expect(run.standardError.contains("File too large") && run.standardError.contains("not written"), "\(run.standardError)")
        #expect(run.standardError.split(separator: "\n").count == 1)
        // Neither half-written files nor the directories the run created remain.
        #expect(TestPaths.contents(of: dir) == ["basis.json", "basis.npy"])
    }

    @Test func unwritableOutputDirectoryIsAnError() throws {
        let run = try CNMFRun(["spectrogram", TestPaths.fixture("notes/piano/C4.wav"), "-o", "/nonexistent-dir/s.npy"])
        #expect(run.status == 73 && run.standardError.contains("/nonexistent-dir"))
    }
}
