import ArgumentParser
import ComplexNMF
import Foundation

/// Exit statuses, documented in README ("Errors and exit codes").
enum ExitStatus {
    static let usage: Int32 = 64        // EX_USAGE: invalid arguments
    static let inputError: Int32 = 65   // EX_DATAERR: unreadable or invalid input file
    static let internalError: Int32 = 70  // EX_SOFTWARE: a bug or a numerical failure
    static let cannotWrite: Int32 = 73  // EX_CANTCREAT: output cannot be written

    static func code(for error: ComplexNMFError) -> Int32 {
        switch error {
        case .invalidParameter: usage
        case .unreadableFile, .invalidContent, .shapeMismatch: inputError
        case .unwritableFile: cannotWrite
        case .numericalFailure: internalError
        }
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension ParsableCommand {
    /// Runs `body`, turning library errors into one line on stderr and the documented exit status.
    /// SIGINT/SIGTERM during `body` remove the partial outputs and say which were not written.
    func reportingErrors(_ body: () throws -> Void) throws {
        InterruptHandler.install(command: Self._commandName)
        // A file-size limit (ulimit -f) then fails the write with EFBIG, reported like a full
        // disk, instead of killing the process with SIGXFSZ.
        signal(SIGXFSZ, SIG_IGN)
        do {
            try body()
        } catch let error as ComplexNMFError {
            let unwritten = TemporaryFileRegistry.removeAll()
            OutputDirectory.removeCreatedIfEmpty()
            printError("cnmf \(Self._commandName): error: \(error)\(Self.notWrittenList(unwritten))")
            throw ExitCode(ExitStatus.code(for: error))
        }
    }

    /// "; not written: a, b, …" for outputs that were being written when the run stopped.
    static func notWrittenList(_ destinations: [String]) -> String {
        guard !destinations.isEmpty else { return "" }
        let names = destinations.map { ($0 as NSString).lastPathComponent }
        let shown = names.prefix(5).joined(separator: ", ")
        return "; not written: \(shown)\(names.count > 5 ? " and \(names.count - 5) more" : "")"
    }

    /// Refuses to replace an existing file unless `overwrite`.
    func checkCanWrite(_ path: String, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw ComplexNMFError.unwritableFile(path: path, reason: "it is a directory")
            }
            if !overwrite {
                throw ComplexNMFError.unwritableFile(path: path, reason: "the file exists (pass --overwrite to replace it)")
            }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ComplexNMFError.unwritableFile(path: path, reason: "the directory '\(directory)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw ComplexNMFError.unwritableFile(path: path, reason: "the directory '\(directory)' is not writable")
        }
    }
}

/// Turns SIGINT/SIGTERM into a clean stop: partial outputs are removed, the outputs that were
/// not written are listed on stderr, and the exit status is 130 (SIGINT) or 143 (SIGTERM).
enum InterruptHandler {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install(command: String) {
        guard sources.isEmpty else { return }
        for (number, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let unwritten = TemporaryFileRegistry.removeAll()
                OutputDirectory.removeCreatedIfEmpty()
                let list = unwritten.isEmpty ? "" : "; not written: " + unwritten.joined(separator: ", ")
                printError("cnmf \(command): interrupted\(list)")
                exit(status)
            }
            source.resume()
            sources.append(source)
        }
    }
}
