import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A complex spectrogram `.npy` (`[bins × frames]` or `[channels × bins × frames]`, as
/// `cnmf spectrogram` and librosa write them) opened for the inverse STFT.
///
/// Little-endian complex64 in Fortran order (what this package and librosa write) is not
/// loaded: `ShortTimeFourierTransform.inverse(_:length:threadCount:)` reads each worker's
/// frames from the file in blocks, so memory stays at the output signal. Every other layout
/// (C order, complex128, real dtypes, big-endian) is read whole through `NPYArray` and
/// converted as `NPYArray.complexMatrices` does (real arrays get zero imaginary parts).
/// Errors are `NPYArray.read`'s and `complexMatrices`'.
public final class SpectrogramFile: @unchecked Sendable {
    /// The path.
    public let path: String
    /// Element type stored in the file.
    public let scalarType: NPYScalarType
    /// Channels (1 for a 2-D array).
    public let channelCount: Int
    /// Frequency bins (rows).
    public let binCount: Int
    /// Frames (columns).
    public let frameCount: Int

    fileprivate enum Storage {
        /// Open descriptor and byte offset of the data (complex64, little-endian, Fortran order).
        case file(descriptor: Int32, dataOffset: Int)
        /// Everything else, converted in memory.
        case matrices([ComplexMatrix])
    }
    fileprivate let storage: Storage

    /// Opens `path`.
    /// - Throws: `ComplexNMFError` naming the file and the problem (missing, truncated, not
    ///   an npy, unsupported dtype, not 2-D or 3-D).
    public init(path: String) throws {
        self.path = path
        if let (descriptor, header) = Self.openDirectly(path) {
            let shape = header.shape
            scalarType = .complex64
            channelCount = shape.count == 3 ? shape[0] : 1
            binCount = shape[shape.count - 2]
            frameCount = shape[shape.count - 1]
            storage = .file(descriptor: descriptor, dataOffset: header.dataOffset)
        } else {
            let array = try NPYArray.read(contentsOf: path)
            let matrices = try array.complexMatrices(path: path)
            for (c, matrix) in matrices.enumerated() {
                if let bad = matrix.values.firstIndex(where: { !$0.isFinite }) {
                    throw Self.nonFinite(matrix.values[bad], bin: (bad / 2) % matrix.rows, frame: bad / 2 / matrix.rows,
                                         channel: matrices.count > 1 ? c : nil, path: path)
                }
            }
            scalarType = array.scalarType
            channelCount = matrices.count
            binCount = matrices[0].rows
            frameCount = matrices[0].columns
            storage = .matrices(matrices)
        }
    }

    deinit {
        if case let .file(descriptor, _) = storage { close(descriptor) }
    }

    /// Whether any of `count` floats is NaN or ±Inf (exponent bits all ones); an integer
    /// max-reduction, so the compiler vectorises it.
    static func hasNonFinite(_ values: UnsafePointer<Float>, count: Int) -> Bool {
        let bits = UnsafeRawPointer(values).assumingMemoryBound(to: UInt32.self)
        var exponent: UInt32 = 0
        for i in 0..<count { exponent = Swift.max(exponent, bits[i] & 0x7F80_0000) }
        return exponent == 0x7F80_0000
    }

    /// The error for a NaN or Inf value (real or imaginary part) at `bin`, `frame`.
    static func nonFinite(_ value: Float, bin: Int, frame: Int, channel: Int?, path: String) -> ComplexNMFError {
        let position = channel.map { "[channel \($0), bin \(bin), frame \(frame)]" } ?? "[bin \(bin), frame \(frame)]"
        return .invalidContent(path: path, reason: "element \(position) is \(value); a spectrogram must be finite")
    }

    /// The descriptor and header when the file is a well-formed little-endian complex64
    /// Fortran-order 2-D or 3-D array whose size matches its header; nil otherwise (the caller
    /// then takes the general path, which reports any problem).
    private static func openDirectly(_ path: String) -> (Int32, NPYHeader)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        var prefix = [UInt8](repeating: 0, count: 4096)
        let got = prefix.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, 0) }
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, got > 0,
              let header = try? prefix.withUnsafeBytes({ try NPYHeader.parse(UnsafeRawBufferPointer(rebasing: $0[0..<got]), path: path) }),
              header.scalarType == .complex64, !header.isBigEndian, header.isFortranOrder,
              header.shape.count == 2 || header.shape.count == 3, header.elementCount > 0,
              Int(status.st_size) - header.dataOffset == header.dataByteCount
        else {
            close(descriptor)
            return nil
        }
        return (descriptor, header)
    }

    /// Reads one channel's frames from the file in blocks, for one worker: `frame(t)`
    /// (t ascending) points to frame t's `binCount` interleaved complex values. A failed read
    /// is recorded in `failure` and the block reads as silence.
    final class FrameBlockLoader {
        private let file: SpectrogramFile
        private let descriptor: Int32, dataOffset: Int
        private let channel: Int, blockFrames: Int
        private let failure: FirstFailure
        private var cached = 0..<0
        private let block: UnsafeMutablePointer<Float>
        private let raw: UnsafeMutablePointer<Float>?

        init(file: SpectrogramFile, descriptor: Int32, dataOffset: Int, channel: Int, blockFrames: Int, failure: FirstFailure) {
            self.file = file
            self.descriptor = descriptor
            self.dataOffset = dataOffset
            self.channel = channel
            self.blockFrames = max(1, blockFrames)
            self.failure = failure
            block = .allocate(capacity: 2 * file.binCount * self.blockFrames)
            raw = file.channelCount > 1 ? .allocate(capacity: 2 * file.binCount * file.channelCount * self.blockFrames) : nil
        }

        deinit {
            block.deallocate()
            raw?.deallocate()
        }

        func frame(_ t: Int) -> UnsafePointer<Float> {
            let bins = file.binCount
            if !cached.contains(t) {
                let frames = t..<min(file.frameCount, t + blockFrames)
                let channels = file.channelCount
                let reals = 2 * bins * channels * frames.count
                let target = raw ?? block
                do {
                    try readFully(into: UnsafeMutableRawPointer(target), count: 4 * reals,
                                  at: dataOffset + 4 * 2 * bins * channels * frames.lowerBound)
                } catch {
                    failure.record(error)
                    target.update(repeating: 0, count: reals)
                }
                if let raw {
                    // Fortran [channels × bins × frames]: the channel varies fastest.
                    for j in 0..<(bins * frames.count) {
                        block[2 * j] = raw[2 * (j * channels + channel)]
                        block[2 * j + 1] = raw[2 * (j * channels + channel) + 1]
                    }
                }
                // NaN or Inf must never reach an output: the first one found is the error.
                if SpectrogramFile.hasNonFinite(block, count: 2 * bins * frames.count),
                   let bad = (0..<(2 * bins * frames.count)).first(where: { !block[$0].isFinite }) {
                    let (bin, frame) = ((bad / 2) % bins, frames.lowerBound + bad / 2 / bins)
                    failure.record(SpectrogramFile.nonFinite(block[bad], bin: bin, frame: frame, channel: channels > 1 ? channel : nil, path: file.path))
                    block.update(repeating: 0, count: 2 * bins * frames.count)
                }
                cached = frames
            }
            return UnsafePointer(block + 2 * bins * (t - cached.lowerBound))
        }

        private func readFully(into destination: UnsafeMutableRawPointer, count: Int, at offset: Int) throws {
            var done = 0
            while done < count {
                let got = pread(descriptor, destination + done, count - done, off_t(offset + done))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    let reason = got < 0 ? String(cString: strerror(errno)) : "the file became shorter while it was read"
                    throw ComplexNMFError.unreadableFile(path: file.path, reason: reason)
                }
                done += got
            }
        }
    }
}

extension ShortTimeFourierTransform {
    /// The inverse STFT of every channel of `file`, each exactly `length` samples: the same
    /// samples as `inverse(_:length:threadCount:)` of the channel's matrix, for any thread count.
    /// Memory: the output plus a block of frames (~256 KiB) per thread; the spectrogram is
    /// not loaded when the file is complex64 in Fortran order.
    /// - Throws: `ComplexNMFError.unreadableFile` when reading fails part-way.
    public func inverse(_ file: SpectrogramFile, length: Int, threadCount: Int? = nil) throws -> [[Float]] {
        precondition(file.binCount == configuration.binCount, "spectrogram has \(file.binCount) bins, expected \(configuration.binCount)")
        switch file.storage {
        case let .matrices(matrices):
            return matrices.map { inverse($0, length: length, threadCount: threadCount) }
        case let .file(descriptor, dataOffset):
            let blockFrames = max(1, (1 << 18) / (8 * configuration.binCount * file.channelCount))
            return try (0..<file.channelCount).map { channel in
                let synthesizer = OverlapAddSynthesizer(transform: self, frameCount: file.frameCount, length: length)
                let failure = FirstFailure()
                let samples = synthesizer.synthesizeAll(threadCount: threadCount) {
                    let loader = SpectrogramFile.FrameBlockLoader(file: file, descriptor: descriptor, dataOffset: dataOffset,
                                                                  channel: channel, blockFrames: blockFrames, failure: failure)
                    return { loader.frame($0) }
                }
                if let error = failure.error { throw error }
                return samples
            }
        }
    }
}

/// The first error recorded by any of several workers.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    /// The first error, if any.
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
    /// Keeps `error` unless one was recorded before.
    func record(_ error: Error) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }
}
