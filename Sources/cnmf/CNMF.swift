import ArgumentParser
import ComplexNMF
import Foundation

/// `cnmf`: supervised source separation with NMF and Complex NMF on a fixed basis.
@main
struct CNMF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnmf",
        abstract: "Supervised audio source separation with NMF and Complex NMF on a fixed basis.",
        discussion: """
            Audio is read with libsndfile (WAV, FLAC, OGG/Vorbis, AIFF, …); spectrograms and all \
            intermediates are numpy .npy files, with a JSON sidecar holding the STFT settings.
            Exit status: 0 success, 64 invalid arguments, 65 unreadable or invalid input, \
            73 output cannot be written, 70 internal error.
            Environment: CNMF_INSTRUCTION_SET=portable|avx2|avx512 caps the build of the C kernels \
            every command runs (default: the best this CPU has; report.json names it).
            """,
        version: "0.1.0",
        subcommands: [SpectrogramCommand.self, ResynthCommand.self, NMFCommand.self, ComplexNMFCommand.self, BasisCommand.self, SeparateCommand.self, EvaluateCommand.self]
    )

    /// Runs the command; every failure ends as one line on stderr and a documented exit status
    /// (ArgumentParser's multi-line usage text is kept for `--help` only).
    static func main() {
        do {
            var command = try parseAsRoot()
            // A misspelt CNMF_INSTRUCTION_SET would otherwise be ignored without a word.
            do { _ = try KernelInstructionSet.requested() } catch let error as ComplexNMFError { throw ValidationError("\(error)") }
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit { exit(withError: error) }
            let message = self.message(for: error).replacingOccurrences(of: "\n", with: " ")
            if !message.isEmpty {
                printError("cnmf: error: \(message) (see `cnmf help` or `cnmf <command> --help`)")
            }
            Foundation.exit(code.rawValue)
        }
    }
}
