import Foundation

/// A signal copied to `Double` with zero padding on both sides, so the lagged inner products and
/// the filtering of the BSS Eval projection read out of range without branches.
///
/// `samples[lead + n]` is sample `n` for `n ∈ [0, count)` and `0` for every other `n` in
/// `[-lead, count + tail)`. Memory: 8 bytes × (count + 2·filterLength + 12).
struct PaddedSignal {
    /// Samples before sample 0 that read as zero (≥ filterLength − 1 for the filtering).
    let lead: Int
    /// Number of real samples.
    let count: Int
    /// The padded samples.
    let samples: [Double]

    /// Zeros readable past the end: one filter length plus a lag block and an output block.
    static func tail(filterLength: Int) -> Int {
        filterLength + DelayedCopyKernels.lagBlock + DelayedCopyKernels.outputBlock
    }

    init(_ values: [Float], filterLength: Int) {
        lead = filterLength
        count = values.count
        var padded = [Double](repeating: 0, count: lead + count + Self.tail(filterLength: filterLength))
        for n in 0..<count { padded[lead + n] = Double(values[n]) }
        samples = padded
    }

    /// Σ x[n]² over the real samples.
    var energy: Double {
        samples.withUnsafeBufferPointer { p in
            var sum = 0.0
            for n in lead..<(lead + count) { sum += p[n] * p[n] }
            return sum
        }
    }
}

/// The two inner loops of BSS Eval: inner products of a signal with delayed copies of another,
/// and the sum of FIR-filtered references that forms a projection. Both accumulate in `Double`
/// in a fixed order, so results do not depend on the number of threads.
///
/// Plain scalar loops with several independent accumulators: in release builds they run at
/// 3–4 G multiply-adds/s per core (explicit `SIMD4<Double>` is ≈ 1.7× faster for the lagged
/// products but ≈ 15× slower in debug builds, which the test suite uses).
enum DelayedCopyKernels {
    /// Lags computed together by `laggedProducts` (one load of `y[n]` feeds this many sums).
    static let lagBlock = 8
    /// Outputs computed together by `filteredSum`.
    static let outputBlock = 4

    /// `result[k] = Σ_{n=0}^{N−1} x[n + k] · y[n]` for `k ∈ [0, lags)`, with `x` zero past its end.
    ///
    /// This is ⟨x delayed by −k, y⟩. Cost: `lags × N` multiply-adds. Both signals must have the
    /// same `count` and were padded for a filter length ≥ `lags`.
    static func laggedProducts(_ x: PaddedSignal, _ y: PaddedSignal, lags: Int) -> [Double] {
        precondition(x.count == y.count && lags <= x.lead && lags <= y.lead)
        let count = y.count
        var result = [Double](repeating: 0, count: (lags + lagBlock - 1) / lagBlock * lagBlock)
        x.samples.withUnsafeBufferPointer { xs in
            y.samples.withUnsafeBufferPointer { ys in
                result.withUnsafeMutableBufferPointer { r in
                    let yp = ys.baseAddress! + y.lead
                    // Eight lags k0…k0+7 at a time; x reads up to index N + lags + 6 (zeros).
                    for k0 in stride(from: 0, to: lags, by: lagBlock) {
                        var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0, a6 = 0.0, a7 = 0.0
                        var xp = xs.baseAddress! + x.lead + k0
                        for n in 0..<count {
                            let yn = yp[n]
                            a0 += xp[0] * yn; a1 += xp[1] * yn; a2 += xp[2] * yn; a3 += xp[3] * yn
                            a4 += xp[4] * yn; a5 += xp[5] * yn; a6 += xp[6] * yn; a7 += xp[7] * yn
                            xp += 1
                        }
                        r[k0] = a0; r[k0 + 1] = a1; r[k0 + 2] = a2; r[k0 + 3] = a3
                        r[k0 + 4] = a4; r[k0 + 5] = a5; r[k0 + 6] = a6; r[k0 + 7] = a7
                    }
                }
            }
        }
        return Array(result.prefix(lags))
    }

    /// `output[n] = Σ_i Σ_{a=0}^{L−1} filters[i][a] · signals[i][n − a]` for `n ∈ [0, N + L − 1)`:
    /// the sum of the references, each through its own FIR filter of `L` taps (the full
    /// convolution, as mir_eval's `fftconvolve(...)[:N + L − 1]`).
    ///
    /// `filters` is `[signals.count × L]` flattened, signal-major. Returns `N + L − 1` values.
    /// Cost: `signals.count × L × (N + L)` multiply-adds.
    static func filteredSum(signals: [PaddedSignal], filters: [Double], filterLength: Int) -> [Double] {
        let count = signals[0].count
        let outputCount = count + filterLength - 1
        let blocks = (outputCount + outputBlock - 1) / outputBlock
        var output = [Double](repeating: 0, count: blocks * outputBlock)
        filters.withUnsafeBufferPointer { h in
            output.withUnsafeMutableBufferPointer { out in
                for (i, signal) in signals.enumerated() {
                    precondition(signal.count == count && signal.lead >= filterLength - 1)
                    signal.samples.withUnsafeBufferPointer { xs in
                        let taps = h.baseAddress! + i * filterLength
                        for block in 0..<blocks {
                            let n0 = block * outputBlock
                            // y[n0 + m] += Σ_a h[a] · x[n0 + m − a], m = 0…3; x reads from −(L − 1).
                            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
                            var xp = xs.baseAddress! + signal.lead + n0
                            for a in 0..<filterLength {
                                let tap = taps[a]
                                a0 += tap * xp[0]; a1 += tap * xp[1]; a2 += tap * xp[2]; a3 += tap * xp[3]
                                xp -= 1
                            }
                            out[n0] += a0; out[n0 + 1] += a1; out[n0 + 2] += a2; out[n0 + 3] += a3
                        }
                    }
                }
            }
        }
        return Array(output.prefix(outputCount))
    }
}

/// Runs `task(index)` for every index in `0..<count` on up to `workers` threads, handing out
/// indices one at a time (tasks of very different cost balance themselves). Each task must write
/// only its own output, so results do not depend on `workers`.
func runEvaluationTasks(_ count: Int, workers: Int, _ task: (Int) -> Void) {
    guard count > 0 else { return }
    let threads = max(1, min(workers, count))
    if threads == 1 {
        for index in 0..<count { task(index) }
        return
    }
    let lock = NSLock()
    var next = 0
    runWorkers(threads) { _ in
        while true {
            lock.lock()
            let index = next
            next += 1
            lock.unlock()
            if index >= count { return }
            task(index)
        }
    }
}
