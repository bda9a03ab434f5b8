/// The reconstruction of `separate --method nmf`: NMF's model magnitudes with the mixture's phase.
///
/// For each frame the model column `H·u` is summed in Double (components in order, zero
/// activations skipped) and rounded to Float; a power-spectrum model then takes its square
/// root; the result gets the phase of `Y` (phase 0 where `Y = 0`). Frames are independent, so
/// they are split over threads, and every value is the same for any split.
enum MixturePhaseModel {
    /// `m · Y/|Y|` `[bins × frames]` with `m = H·U` (`squareRoot`: `m = √(H·U)`, the magnitude of a
    /// power-spectrum model) for `spectrogram` `Y` `[bins × frames]`, `basis` `H` `[bins × K]` and
    /// `activations` `U` `[K × frames]`, frames split over `threadCount` threads.
    static func reconstruction(spectrogram y: ComplexMatrix, basis h: RealMatrix, activations u: RealMatrix,
                               squareRoot: Bool, threadCount: Int) -> ComplexMatrix {
        precondition(h.rows == y.rows && h.columns == u.rows && u.columns == y.columns, "shapes")
        var out = ComplexMatrix(rows: y.rows, columns: y.columns)
        let bins = y.rows, components = h.columns, frames = y.columns
        let workers = max(1, min(threadCount, frames))
        out.values.withUnsafeMutableBufferPointer { outValues in
            let shared = UncheckedSendable(value: outValues)
            h.values.withUnsafeBufferPointer { basis in
                u.values.withUnsafeBufferPointer { activations in
                    y.values.withUnsafeBufferPointer { mixture in
                        runWorkers(workers) { worker in
                            let out = shared.value
                            let column = UnsafeMutablePointer<Double>.allocate(capacity: max(1, bins))
                            defer { column.deallocate() }
                            // Consecutive ranges of frames, one per worker.
                            let first = frames * worker / workers, last = frames * (worker + 1) / workers
                            for t in first..<last {
                                MatrixProduct.sumColumn(basis.baseAddress, rows: bins, columns: components,
                                                        weights: activations.baseAddress.map { $0 + t * components }, into: column)
                                for f in 0..<bins {
                                    let i = t * bins + f
                                    var magnitude = Float(column[f])
                                    // The Float square root, taken in Double (the same correctly rounded
                                    // value) so that a subnormal model value costs no microcode assist.
                                    if squareRoot { magnitude = Float(Double(magnitude).squareRoot()) }
                                    let re = Double(mixture[2 * i]), im = Double(mixture[2 * i + 1])
                                    let m = (re * re + im * im).squareRoot()
                                    let a = Double(magnitude)
                                    out[2 * i] = Float(m > 0 ? a * re / m : a)
                                    out[2 * i + 1] = Float(m > 0 ? a * im / m : 0)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
