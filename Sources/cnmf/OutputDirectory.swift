import ComplexNMF
import Foundation

/// Checks on output directories shared by the commands that write several files.
enum OutputDirectory {
    /// Creates `path` if needed; fails if it is a file or not writable.
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ComplexNMFError.unwritableFile(path: path, reason: "it exists and is not a directory")
            }
        } else {
            if mkdir(path, 0o755) != 0 && errno == ENOENT {
                try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ComplexNMFError.unwritableFile(path: path, reason: "cannot create the directory (\(String(cString: strerror(errno))))")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw ComplexNMFError.unwritableFile(path: path, reason: "the directory is not writable")
        }
    }

    /// Fails if any of `names` exists in `directory` and `overwrite` is off.
    static func checkNoneExist(_ names: [String], in directory: String, overwrite: Bool) throws {
        guard !overwrite else { return }
        let existing = names.filter { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
        if !existing.isEmpty {
            throw ComplexNMFError.unwritableFile(path: directory, reason: "it already holds \(existing.prefix(4).joined(separator: ", "))\(existing.count > 4 ? ", …" : "") (pass --overwrite to replace, or choose another -o)")
        }
    }
}

/// Refuses outputs that cannot fit on the destination's file system.
enum DiskBudget {
    static func check(bytes: Int, directory: String, what: String) throws {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
              let free = (attributes[.systemFreeSize] as? NSNumber)?.intValue, bytes > free else { return }
        throw ComplexNMFError.invalidParameter(name: "--save-phase", value: "\(what) of \(MemoryBudget.formatBytes(bytes))",
                                               expectation: "only \(MemoryBudget.formatBytes(free)) is free in '\(directory)'; drop --save-phase or write elsewhere")
    }
}
