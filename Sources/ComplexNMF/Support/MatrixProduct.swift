/// Small dense products used outside the hot loops (reconstructions, reports).
public enum MatrixProduct {
    /// `a · b` for `a` `[m × n]` and `b` `[n × p]`, accumulated in Double; result `[m × p]`.
    public static func multiply(_ a: RealMatrix, _ b: RealMatrix) -> RealMatrix {
        precondition(a.columns == b.rows, "inner dimensions differ: \(a.columns) vs \(b.rows)")
        var out = RealMatrix(rows: a.rows, columns: b.columns)
        var column = [Double](repeating: 0, count: a.rows)
        for j in 0..<b.columns {
            for i in 0..<a.rows { column[i] = 0 }
            for k in 0..<a.columns {
                let x = Double(b[k, j])
                if x == 0 { continue }
                let base = k * a.rows
                for i in 0..<a.rows { column[i] += Double(a.values[base + i]) * x }
            }
            for i in 0..<a.rows { out.values[j * a.rows + i] = Float(column[i]) }
        }
        return out
    }
}
