/// Initial activations `U0` `[components × frames]`.
public enum ActivationInitializer {
    /// Half-normal values `|N(0, 1)|` from a generator seeded with `seed`, drawn component-fastest
    /// (frame 0's components first). Identical for the same seed on every run and thread count.
    public static func halfNormal(components: Int, frames: Int, seed: UInt64) -> RealMatrix {
        var generator = SeededRandomGenerator(seed: seed)
        var u = RealMatrix(rows: components, columns: frames)
        for i in 0..<u.values.count { u.values[i] = Float(abs(generator.nextGaussian())) }
        return u
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
