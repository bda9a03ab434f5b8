import Foundation

/// Reads a `manifest.json` written by the golden-file scripts in `Tests/Golden/`.
struct GoldenManifest {
    let folder: String
    let root: [String: Any]

    init(_ folder: String) throws {
        self.folder = TestPaths.golden(folder)
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(self.folder)/manifest.json"))
        root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// `folder/name`.
    func path(_ name: String) -> String { "\(folder)/\(name)" }
}

extension Dictionary where Key == String, Value == Any {
    func dict(_ key: String) -> [String: Any] { self[key] as! [String: Any] }
    func list(_ key: String) -> [[String: Any]] { self[key] as! [[String: Any]] }
    func string(_ key: String) -> String { self[key] as! String }
    func int(_ key: String) -> Int { (self[key] as! NSNumber).intValue }
    func double(_ key: String) -> Double { (self[key] as! NSNumber).doubleValue }
    func optionalDouble(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
    func bool(_ key: String) -> Bool { (self[key] as! NSNumber).boolValue }
    func ints(_ key: String) -> [Int] { (self[key] as! [NSNumber]).map(\.intValue) }
}

/// max |a − b| / max |b| over two equally long sequences.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths \(a.count) vs \(b.count)")
    let scale = b.map(abs).max() ?? 0
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    return scale > 0 ? worst / scale : worst
}
