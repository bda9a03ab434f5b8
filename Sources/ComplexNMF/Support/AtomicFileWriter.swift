import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that it appears complete or not at all.
///
/// Bytes go to a hidden temporary file in the destination's directory
/// (`.<name>.partial-XXXXXX`); `commit()` flushes it and renames it over the destination.
/// If the writer is dropped without `commit()` (an error, a full disk), the temporary file is
/// removed and the destination is untouched.
public final class AtomicFileWriter {
    /// The final path the file is renamed to on `commit()`.
    public let destination: String
    /// The temporary file the bytes go to until `commit()`.
    public let temporaryPath: String
    /// The open descriptor of the temporary file (for libraries that write through a descriptor).
    public private(set) var descriptor: Int32
    private var committed = false

    /// Creates the temporary file next to `destination`.
    /// - Throws: `ComplexNMFError.unwritableFile` when the directory does not exist or is not writable.
    public init(destination: String) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let directory = url.deletingLastPathComponent().path
        var template = Array((directory + "/." + url.lastPathComponent + ".partial-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ComplexNMFError.unwritableFile(path: destination, reason: String(cString: strerror(errno)))
        }
        descriptor = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        fchmod(fd, 0o644)
        TemporaryFileRegistry.register(temporary: temporaryPath, destination: destination)
    }

    /// Appends raw bytes. Throws (with the OS reason, e.g. "No space left on device") on failure.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ComplexNMFError.unwritableFile(path: destination, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Appends the bytes of an array of trivial values.
    public func write<T>(contentsOf values: [T]) throws {
        try values.withUnsafeBytes { try write($0) }
    }

    /// Overwrites bytes at an absolute offset (used to patch a header once the size is known).
    public func write(_ bytes: [UInt8], at offset: Int) throws {
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress!, $0.count, off_t(offset)) }
        guard written == bytes.count else {
            throw ComplexNMFError.unwritableFile(path: destination, reason: String(cString: strerror(errno)))
        }
    }

    /// Closes the temporary file and renames it to `destination`. (No fsync: the rename makes the
    /// file appear whole to every other process; durability across power loss is the OS's job.)
    public func commit() throws {
        guard !committed else { return }
        guard close(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            descriptor = -1
            throw ComplexNMFError.unwritableFile(path: destination, reason: reason)
        }
        descriptor = -1
        guard rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            TemporaryFileRegistry.abandon(temporary: temporaryPath)
            throw ComplexNMFError.unwritableFile(path: destination, reason: reason)
        }
        committed = true
        TemporaryFileRegistry.unregister(temporary: temporaryPath)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed {
            unlink(temporaryPath)
            TemporaryFileRegistry.abandon(temporary: temporaryPath)
        }
    }

    /// Writes `bytes` to `path` atomically in one call.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let writer = try AtomicFileWriter(destination: path)
        try bytes.withUnsafeBytes { try writer.write($0) }
        try writer.commit()
    }
}
