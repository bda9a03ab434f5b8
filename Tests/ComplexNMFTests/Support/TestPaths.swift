import Foundation

/// Locations of repository files used by the tests (found from this source file's path, so the
/// tests need no resource bundle and no Python).
enum TestPaths {
    /// The repository root.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// `Tests/Golden/<name>`.
    static func golden(_ name: String) -> String { root.appendingPathComponent("Tests/Golden/\(name)").path }
    /// `Fixtures/<name>`.
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/\(name)").path }

    /// A fresh empty temporary directory, inside one folder per test process that is removed
    /// when the process exits (so test runs leave nothing behind in the system's temporary folder).
    static func temporaryDirectory() -> String {
        let url = processTemporaryRoot.appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    private static let processTemporaryRoot: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnmf-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestPaths.processTemporaryRoot) }
        return url
    }()

    /// The names of the files in a directory (sorted).
    static func contents(of directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

/// A deterministic pseudo-random signal in [-amplitude, amplitude) (SplitMix64), for tests that
/// need noise without depending on the platform's random generator.
func testNoise(count: Int, seed: UInt64, amplitude: Float = 0.5) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return amplitude * (Float(z >> 40) / Float(1 << 24) * 2 - 1)
    }
}
