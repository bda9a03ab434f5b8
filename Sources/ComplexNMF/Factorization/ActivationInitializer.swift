/// Initial activations `U0` `[components × frames]`.
public enum ActivationInitializer {
    /// Half-normal values `|N(0, 1)|` for `frames` (global frame indices), each frame's column
    /// drawn from its own generator keyed by `(seed, stream, frame)`. A frame's initial
    /// activations therefore do not depend on how the frames are split into blocks or threads.
    /// `stream` separates channels (0 for the first).
    public static func halfNormal(components: Int, frames: Range<Int>, seed: UInt64, stream: UInt64 = 0) -> RealMatrix {
        var u = RealMatrix(rows: components, columns: frames.count)
        for (j, t) in frames.enumerated() {
            var generator = SeededRandomGenerator(seed: frameKey(seed: seed, stream: stream, frame: t, purpose: 1))
            for k in 0..<components { u.values[j * components + k] = Float(abs(generator.nextGaussian())) }
        }
        return u
    }

    /// `halfNormal` for frames `0..<frames`.
    public static func halfNormal(components: Int, frames: Int, seed: UInt64) -> RealMatrix {
        halfNormal(components: components, frames: 0..<frames, seed: seed)
    }

    /// A generator seed for one frame's random numbers, distinct per seed, stream, frame and purpose.
    static func frameKey(seed: UInt64, stream: UInt64, frame: Int, purpose: UInt64) -> UInt64 {
        var h = seed ^ 0x243F_6A88_85A3_08D3
        for part in [stream, UInt64(frame), purpose] {
            h = (h ^ part) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
        }
        return h
    }

    /// Checks user-supplied activations: shape `[components × frames]`, finite, non-negative.
    /// - Parameter path: for error messages.
    public static func validate(_ u: RealMatrix, components: Int, frames: Int, path: String) throws {
        guard u.rows == components, u.columns == frames else {
            throw ComplexNMFError.shapeMismatch(what: "initial activations '\(path)'", expected: "[\(components) × \(frames)] (components × frames)", actual: "[\(u.rows) × \(u.columns)]", hint: "they must have one row per basis column and one column per spectrogram frame")
        }
        if let bad = u.values.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ComplexNMFError.invalidContent(path: path, reason: "activation [\(bad % components), \(bad / components)] is \(u.values[bad]); initial activations must be finite and ≥ 0")
        }
    }
}
