import ArgumentParser
import ComplexNMF
import Foundation

/// `cnmf evaluate --reference ... --estimate ...`: BSS Eval SDR/SIR/SAR and SI-SDR.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score separated sources against ground truth: SDR, SIR, SAR (BSS Eval) and SI-SDR, in dB.",
        discussion: """
            SDR/SIR/SAR as mir_eval.separation.bss_eval_sources (512-tap distortion filters, \
            given order unless --permutation); SI-SDR = 10·log10(‖αs‖² / ‖αs − ŝ‖²), \
            α = ⟨ŝ,s⟩/‖s‖². Multichannel files are scored per channel and averaged. Give files \
            in matching order, or one folder each: estimates are matched to references by file \
            name (extra estimates, e.g. reconstruction.wav, are ignored). Undefined values \
            (silent sources) are shown as n/a and written as null.
            """
    )

    @Option(parsing: .upToNextOption, help: "Ground-truth source files, or one folder of them.")
    var reference: [String]

    @Option(parsing: .upToNextOption, help: "Estimated source files in the same order, or one folder (matched by name).")
    var estimate: [String]

    @Flag(help: "Find the best assignment of estimates to references (by mean SIR), as mir_eval's default.")
    var permutation = false

    @Option(help: "Write the scores as JSON to this file.")
    var json: String?

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    /// Reference and estimate paths, paired.
    func pairs() throws -> [(name: String, reference: String, estimate: String)] {
        func isDirectory(_ path: String) -> Bool {
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
        }
        if reference.count == 1, estimate.count == 1, isDirectory(reference[0]) {
            guard isDirectory(estimate[0]) else {
                throw ComplexNMFError.invalidParameter(name: "--estimate", value: estimate[0], expectation: "a folder, since --reference is a folder")
            }
            let audio = ["wav", "flac", "ogg", "oga", "aif", "aiff"]
            let names = try FileManager.default.contentsOfDirectory(atPath: reference[0]).sorted()
                .filter { audio.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            guard !names.isEmpty else {
                throw ComplexNMFError.invalidContent(path: reference[0], reason: "the folder holds no audio files")
            }
            return try names.map { name in
                let estimatePath = (estimate[0] as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: estimatePath) else {
                    throw ComplexNMFError.unreadableFile(path: estimatePath, reason: "no estimate for reference '\(name)' (estimates are matched by file name)")
                }
                return (URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent,
                        (reference[0] as NSString).appendingPathComponent(name), estimatePath)
            }
        }
        guard reference.count == estimate.count else {
            throw ComplexNMFError.shapeMismatch(what: "number of files", expected: "\(reference.count) estimates (one per --reference)", actual: "\(estimate.count)", hint: "give the estimates in the same order as the references")
        }
        return zip(reference, estimate).map { (URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent, $0, $1) }
    }

    func run() throws {
        try reportingErrors {
            if let threads, threads < 1 {
                throw ComplexNMFError.invalidParameter(name: "--threads", value: "\(threads)", expectation: "must be at least 1")
            }
            if let json { try checkCanWrite(json, overwrite: true) }
            let pairs = try pairs()
            let references = try pairs.map { try AudioFile.read($0.reference) }
            let estimates = try pairs.map { try AudioFile.read($0.estimate) }
            var configuration = BSSEval.Configuration()
            configuration.computePermutation = permutation
            if let threads { configuration.threadCount = threads }
            let scores = try BSSEval.evaluate(references: references, estimates: estimates, names: pairs.map(\.name), configuration: configuration)
            if !quiet { print(EvaluationTable.format(scores)) }
            if let json { try scores.write(to: json) }
        }
    }
}
