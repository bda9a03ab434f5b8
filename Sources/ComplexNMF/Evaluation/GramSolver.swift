import CLapacke

/// LAPACKE's `lapack_int` (a C macro, so not imported): 32-bit in the LP64 Debian build.
private typealias LapackInt = Int32

/// Solves `G c = d` for a symmetric positive semi-definite Gram matrix `G` (the inner products of
/// delayed copies of the references), by Cholesky factorisation with complete pivoting
/// (LAPACK `dpstrf`, then `dpotrs` on the leading block).
///
/// Why pivoted Cholesky: `G` is symmetric and, for references with any broadband content, well
/// conditioned, where this is plain Cholesky (the cheapest backward-stable solver, `n³/3` flops,
/// as accurate as mir_eval's LU `np.linalg.solve`). When delayed copies are numerically dependent
/// (pure stationary tones, identical references), LU or Cholesky return huge, meaningless
/// coefficients; mir_eval falls back to `lstsq` only when LU fails outright. Pivoting instead
/// stops at the numerical rank `r`: a delayed copy is dropped when the part of it not explained by
/// the copies already chosen has energy below `rankTolerance` × the largest copy energy. The
/// solution is then the basic least-squares solution on the `r` chosen copies. Directions whose
/// Gram eigenvalues sit at the rounding level cannot be resolved by any normal-equations method
/// (forming `G` squares the condition number of the delayed-copy matrix); dropping them is
/// deterministic, where LU returns rounding noise. On two noiseless harmonic tones this puts SAR
/// within 0.33 dB of an exact QR projection, against 2.06 dB for mir_eval.
///
/// Cost: `n³/3` flops for the factorisation (≈ 1.3 s for n = 2048 with reference LAPACK),
/// `2·n²` per right-hand side; memory `8·n²` bytes.
struct GramSolver {
    /// Relative pivot (energy) below which a delayed copy counts as dependent on the others.
    static let rankTolerance = 1e-12

    /// Order of `G`.
    let order: Int
    /// Numerical rank found by the pivoting (`order` when `G` is well conditioned).
    let rank: Int
    /// The Cholesky factor `L` of `Pᵀ G P` in the lower triangle (column-major, `order × order`).
    private let factor: [Double]
    /// `pivots[i]` = the row of `G` that is row `i` of `Pᵀ G P` (0-based).
    private let pivots: [Int]

    /// Factorises `gram` (`order × order`, column-major; only the lower triangle is read).
    /// - Throws: `ComplexNMFError.numericalFailure` when LAPACK rejects the matrix (NaN entries).
    init(gram: [Double], order: Int) throws {
        precondition(gram.count == order * order && order > 0)
        var largest = 0.0
        for i in 0..<order { largest = max(largest, gram[i * order + i]) }
        var a = gram
        var piv = [LapackInt](repeating: 0, count: order)
        var foundRank: LapackInt = 0
        let info = LAPACKE_dpstrf(
            LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), LapackInt(order), &a, LapackInt(order),
            &piv, &foundRank, Self.rankTolerance * largest
        )
        // info = 1 only reports rank < order, which the pivoting handles.
        guard info == 0 || info == 1, foundRank > 0 else {
            throw ComplexNMFError.numericalFailure(
                reason: "pivoted Cholesky of a \(order)×\(order) Gram matrix failed (LAPACK dpstrf info \(info)); "
                    + "the signals probably contain NaN or infinite samples")
        }
        self.order = order
        rank = Int(foundRank)
        factor = a
        pivots = piv.map { Int($0) - 1 }
    }

    /// Solves `G c = d` for `columns` right-hand sides (`rhs` is `order × columns`, column-major)
    /// and returns the solutions in the same layout. Coefficients of dropped copies are zero.
    func solve(_ rhs: [Double], columns: Int) -> [Double] {
        precondition(rhs.count == order * columns)
        // Pᵀ G P z = Pᵀ d with z = Pᵀ c; keep the first `rank` rows (basic solution).
        var z = [Double](repeating: 0, count: rank * columns)
        for column in 0..<columns {
            for i in 0..<rank { z[column * rank + i] = rhs[column * order + pivots[i]] }
        }
        let info = LAPACKE_dpotrs(
            LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), LapackInt(rank), LapackInt(columns),
            factor, LapackInt(order), &z, LapackInt(rank)
        )
        precondition(info == 0, "dpotrs rejected a factor dpstrf produced (info \(info))")
        var solution = [Double](repeating: 0, count: order * columns)
        for column in 0..<columns {
            for i in 0..<rank { solution[column * order + pivots[i]] = z[column * rank + i] }
        }
        return solution
    }
}
