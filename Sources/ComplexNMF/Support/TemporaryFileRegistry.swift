import Foundation

/// The temporary files of outputs being written, so that an interrupted run (SIGINT/SIGTERM)
/// can remove them and say which outputs were not written. `AtomicFileWriter` registers each
/// temporary file while it is open.
public enum TemporaryFileRegistry {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var active: [String: String] = [:]  // temporary path → destination

    static func register(temporary: String, destination: String) {
        lock.lock(); active[temporary] = destination; lock.unlock()
    }

    static func unregister(temporary: String) {
        lock.lock(); active[temporary] = nil; lock.unlock()
    }

    /// Removes every registered temporary file and returns the destinations that were not written.
    public static func removeAll() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        for path in active.keys { unlink(path) }
        let destinations = active.values.sorted()
        active.removeAll()
        return destinations
    }
}
