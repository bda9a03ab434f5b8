import Foundation

/// The temporary files of outputs being written, so that an interrupted run (SIGINT/SIGTERM)
/// can remove them and say which outputs were not written. `AtomicFileWriter` registers each
/// temporary file while it is open.
public enum TemporaryFileRegistry {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var active: [String: String] = [:]  // temporary path → destination
    /// Destinations whose temporary file was removed without being committed (an error).
    nonisolated(unsafe) private static var abandoned: [String] = []

    static func register(temporary: String, destination: String) {
        lock.lock(); active[temporary] = destination; lock.unlock()
    }

    static func unregister(temporary: String) {
        lock.lock(); active[temporary] = nil; lock.unlock()
    }

    /// Records that the temporary file of an output was removed unfinished.
    static func abandon(temporary: String) {
        lock.lock()
        if let destination = active.removeValue(forKey: temporary) { abandoned.append(destination) }
        lock.unlock()
    }

    /// Removes every registered temporary file and returns the destinations that were not
    /// written: those still being written and those abandoned after an error.
    public static func removeAll() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        for path in active.keys { unlink(path) }
        let destinations = Set(active.values).union(abandoned).sorted()
        active.removeAll()
        abandoned.removeAll()
        return destinations
    }
}
