/// The numerical guards of the factorisations, in one place.
///
/// - `epsilon` keeps multiplicative-update denominators and divergence logarithms away from 0
///   (silent frames, zero bins, zero basis columns); it is far below any audible magnitude.
/// - `activationFloor` is the smallest activation kept during Complex NMF iterations, so that
///   `U^(p−1)` stays finite for every sparsity exponent `0 < p < 2` and values stay out of
///   denormal range. Activations at the floor are reported as exactly 0.
public enum NumericalGuards {
    /// Added to denominators (and, for the divergences, to both arguments of logs and ratios).
    public static let epsilon: Double = 1e-12
    /// Floor of Complex NMF activations during the iteration; reported as 0.
    public static let activationFloor: Float = 1e-30
}
