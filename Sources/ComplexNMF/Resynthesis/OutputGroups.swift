import Foundation

/// Which basis components are summed into each output signal: one output per component
/// (named by its label) or one per group of labels (`groups.json`:
/// `{"piano": ["C4", "E4"], "flute": ["C5"]}`; groups in name order, labels in no group go to
/// an extra output `other`).
public struct OutputGroups: Sendable, Equatable {
    /// Output names (file names without extension).
    public var names: [String]
    /// For each basis component, the index of the output it belongs to.
    public var outputOfComponent: [Int]

    /// One output per note: a component labelled `X#k` (the k-th column learned from the
    /// recording `X`, `cnmf basis --components-per-file`) joins the output of the component
    /// labelled `X` before it; every other component gets its own output, named by its label
    /// (repeated labels get `_2`, `_3`, … so that no two outputs share a file).
    public init(labels: [String]) {
        var names: [String] = [], outputs: [Int] = []
        var outputOfLabel: [String: Int] = [:], seen: [String: Int] = [:]
        for label in labels {
            if let stem = Self.noteOfExtraColumn(label), let output = outputOfLabel[stem] {
                outputs.append(output)
                continue
            }
            seen[label, default: 0] += 1
            outputOfLabel[label] = names.count
            outputs.append(names.count)
            names.append(seen[label]! == 1 ? label : "\(label)_\(seen[label]!)")
        }
        self.names = names
        outputOfComponent = outputs
    }

    /// `X` for a label `X#k` (k a positive integer), else nil.
    static func noteOfExtraColumn(_ label: String) -> String? {
        guard let hash = label.lastIndex(of: "#") else { return nil }
        let number = label[label.index(after: hash)...]
        guard !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber), hash > label.startIndex else { return nil }
        return String(label[..<hash])
    }

    /// Outputs from a group map.
    /// - Throws: `ComplexNMFError.invalidParameter` for a label that is not in the basis or
    ///   appears in two groups, or an empty group map.
    public init(groups: [String: [String]], labels: [String], source: String = "groups") throws {
        guard !groups.isEmpty else {
            throw ComplexNMFError.invalidContent(path: source, reason: "no groups defined; expected {\"name\": [\"label\", …], …}")
        }
        names = groups.keys.sorted()
        var assignment = [Int?](repeating: nil, count: labels.count)
        for (g, name) in names.enumerated() {
            for label in groups[name]! {
                let matches = labels.indices.filter { labels[$0] == label || labels[$0].hasPrefix(label + "#") }
                guard !matches.isEmpty else {
                    throw ComplexNMFError.invalidContent(path: source, reason: "group '\(name)' names label '\(label)', which the basis does not have (labels: \(labels.joined(separator: ", ")))")
                }
                for k in matches {
                    if let other = assignment[k], other != g {
                        throw ComplexNMFError.invalidContent(path: source, reason: "label '\(labels[k])' is in groups '\(names[other])' and '\(name)'")
                    }
                    assignment[k] = g
                }
            }
        }
        if assignment.contains(where: { $0 == nil }) {
            names.append("other")
        }
        let other = names.count - 1
        outputOfComponent = assignment.map { $0 ?? other }
    }

    /// Reads a `groups.json` file.
    public static func read(contentsOf path: String, labels: [String]) throws -> OutputGroups {
        try decode(try readFileBytes(path), labels: labels, path: path)
    }

    /// Parses `groups.json` bytes; `path` names the file in errors.
    public static func decode(_ data: Data, labels: [String], path: String) throws -> OutputGroups {
        guard let object = try? JSONSerialization.jsonObject(with: data), let map = object as? [String: Any] else {
            throw ComplexNMFError.invalidContent(path: path, reason: "not a JSON object of the form {\"name\": [\"label\", …], …}")
        }
        var groups: [String: [String]] = [:]
        for (name, value) in map {
            guard let list = value as? [String] else {
                throw ComplexNMFError.invalidContent(path: path, reason: "group '\(name)' must be a list of label strings")
            }
            groups[name] = list
        }
        return try OutputGroups(groups: groups, labels: labels, source: path)
    }

    /// A file-system-safe version of an output name.
    public static func fileName(for name: String) -> String {
        let cleaned = name.map { c -> Character in c == "/" || c == "\\" || c == "\0" || c == ":" ? "_" : c }
        let result = String(cleaned).trimmingCharacters(in: .whitespaces)
        return result.isEmpty || result.hasPrefix(".") ? "_" + result : result
    }
}
