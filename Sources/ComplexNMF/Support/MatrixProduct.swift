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
                            column.update(repeating: 0, count: m)
                            for k in 0..<n {
                                let x = Double(right[j * n + k])
                                if x == 0 { continue }
                                rs_add_scaled_double(Int32(m), column, left.baseAddress! + k * m, x)
                            }
                            for i in 0..<m { target.value[j * m + i] = Float(column[i]) }
                        }
                    }
                }
            }
        }
        return out
    }
}
