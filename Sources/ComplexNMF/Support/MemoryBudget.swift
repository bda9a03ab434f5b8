import Foundation

/// Refuses allocations that cannot fit in the machine's available memory, before any work.
public enum MemoryBudget {
    /// Bytes of memory available to new allocations (`MemAvailable` from /proc/meminfo), or
    /// `nil` where that is unknown.
    public static var availableBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// Throws when `bytes` exceeds 90 % of the available memory.
    /// - Parameters:
    ///   - what: what needs the memory (for the message).
    ///   - suggestion: how to do the job with less.
    public static func check(bytes: Int, what: String, suggestion: String) throws {
        guard let available = availableBytes, Double(bytes) > 0.9 * Double(available) else { return }
        throw ComplexNMFError.invalidParameter(
            name: "memory", value: formatBytes(bytes),
            expectation: "\(what) needs \(formatBytes(bytes)) but only \(formatBytes(available)) is available; \(suggestion)")
    }

    /// `1536` → `"1.5 KiB"`.
    public static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
