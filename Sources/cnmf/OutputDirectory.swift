import ComplexNMF
import Foundation

/// Checks on output directories shared by the commands that write several files.
enum OutputDirectory {
    private static let lock = NSLock()
    /// Directories this process created, in creation order.
    nonisolated(unsafe) private static var created: [String] = []

    /// Removes the directories this run created if they are still empty (after a failure, so
    /// that a failed run leaves nothing behind). Non-empty directories are kept.
    static func removeCreatedIfEmpty() {
        lock.lock(); defer { lock.unlock() }
        for path in created.reversed() { rmdir(path) }
        created.removeAll()
    }

    /// Creates `path` if needed; fails if it is a file or not writable.
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ComplexNMFError.unwritableFile(path: path, reason: "it exists and is not a directory")
            }
        } else {
            if mkdir(path, 0o755) != 0 && errno == ENOENT {
                // Record every missing ancestor too, innermost last.
                var missing: [String] = []
                var ancestor = (path as NSString).deletingLastPathComponent
                while !ancestor.isEmpty, ancestor != "/", !FileManager.default.fileExists(atPath: ancestor) {
                    missing.insert(ancestor, at: 0)
                    ancestor = (ancestor as NSString).deletingLastPathComponent
                }
                try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                lock.lock(); created += missing.filter { FileManager.default.fileExists(atPath: $0) }; lock.unlock()
            }
            if FileManager.default.fileExists(atPath: path) { lock.lock(); created.append(path); lock.unlock() }
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

/// Refuses outputs that cannot fit on the destination's file system, before any work.
enum DiskBudget {
    /// Throws `unwritableFile` when `bytes` exceed the free space of `directory`'s file system.
    /// - Parameters:
    ///   - what: the outputs that need the space (for the message).
    ///   - suggestion: how to need less.
    static func check(bytes: Int, directory: String, what: String, suggestion: String) throws {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
              let free = (attributes[.systemFreeSize] as? NSNumber)?.intValue, bytes > free else { return }
        throw ComplexNMFError.unwritableFile(
            path: directory,
            reason: "\(what) need about \(MemoryBudget.formatBytes(bytes)) but only \(MemoryBudget.formatBytes(free)) is free there; \(suggestion)")
    }
}
