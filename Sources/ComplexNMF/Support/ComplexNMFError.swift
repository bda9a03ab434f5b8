import Foundation

/// The one error type of the library. Every case names the file or parameter, the bad value and,
/// where there is one, the likely fix, so its `description` can be shown to a user as it is.
public enum ComplexNMFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be opened, read or decoded (`path`, what went wrong).
    case unreadableFile(path: String, reason: String)
    /// A file was read but its content is not acceptable (`path`, what is wrong, how to fix it).
    case invalidContent(path: String, reason: String)
    /// A file could not be written (`path`, what went wrong).
    case unwritableFile(path: String, reason: String)
    /// A parameter has a value outside its domain (`name`, the value, what it must be).
    case invalidParameter(name: String, value: String, expectation: String)
    /// Two things that must agree in size do not (`what`, expected and actual, a hint).
    case shapeMismatch(what: String, expected: String, actual: String, hint: String)
    /// A numerical failure that valid input should never cause (e.g. NaN at an iteration).
    case numericalFailure(reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read '\(path)': \(reason)"
        case let .invalidContent(path, reason):
            return "'\(path)': \(reason)"
        case let .unwritableFile(path, reason):
            return "cannot write '\(path)': \(reason)"
        case let .invalidParameter(name, value, expectation):
            return "\(name) = \(value) is invalid: \(expectation)"
        case let .shapeMismatch(what, expected, actual, hint):
            return "\(what): expected \(expected) but got \(actual)" + (hint.isEmpty ? "" : ". \(hint)")
        case let .numericalFailure(reason):
            return "numerical failure: \(reason)"
        }
    }
}
