import CResynthesisKernel

/// Dense products outside the factorization loops (reconstructions such as `cnmf nmf`'s
/// `reconst.npy`, test fixtures).
public enum MatrixProduct {
    /// `a · b` for `a` `[m × n]` and `b` `[n × p]`, each value summed in Double over `n` in order
    /// (zero entries of `b` skipped) and rounded to Float once; result `[m × p]`. Columns of the
    /// result are split over `threadCount` threads; every value is the same for any split.
    public static func multiply(_ a: RealMatrix, _ b: RealMatrix, threadCount: Int = 1) -> RealMatrix {
        precondition(a.columns == b.rows, "inner dimensions differ: \(a.columns) vs \(b.rows)")
        var out = RealMatrix(rows: a.rows, columns: b.columns)
        let (m, n, p) = (a.rows, a.columns, b.columns)
        guard m > 0, p > 0 else { return out }
        let workers = max(1, min(threadCount, p))
        out.values.withUnsafeMutableBufferPointer { outValues in
            let target = UncheckedSendable(value: outValues.baseAddress!)
            a.values.withUnsafeBufferPointer { left in
                b.values.withUnsafeBufferPointer { right in
                    runWorkers(workers) { worker in
                        let column = UnsafeMutablePointer<Double>.allocate(capacity: m)
                        defer { column.deallocate() }
                        for j in (p * worker / workers)..<(p * (worker + 1) / workers) {
                            sumColumn(left.baseAddress, rows: m, columns: n, weights: right.baseAddress.map { $0 + j * n }, into: column)
                            for i in 0..<m { target.value[j * m + i] = Float(column[i]) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `column[i] = Σ_k a[i, k] · weights[k]` for `a` `[rows × columns]` (column-major Floats) and
    /// `columns` Float weights, summed in Double over k in order, zero weights skipped (a model
    /// column `H·u` before its rounding to Float). `column` holds `rows` Doubles.
    /// (`a` and `weights` may be nil when `columns` is 0.)
    static func sumColumn(_ a: UnsafePointer<Float>?, rows: Int, columns: Int, weights: UnsafePointer<Float>?,
                          into column: UnsafeMutablePointer<Double>) {
        column.update(repeating: 0, count: rows)
        guard columns > 0, let a, let weights else { return }
        for k in 0..<columns {
            let x = Double(weights[k])
            if x == 0 { continue }
            rs_add_scaled_double(CNMF_LEVEL_AUTOMATIC, Int32(rows), column, a + k * rows, x)
        }
    }
}
