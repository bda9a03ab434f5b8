import Foundation

/// Consistent Wiener filtering of one run of frames (see `ConsistentWienerConfiguration` for the
/// problem): refines Wiener estimates `S_j = v_j / Σ v · Y` into estimates that are closer to
/// spectrograms of actual signals while still summing exactly to the mixture `Y`.
///
/// Solver: conjugate gradients on the constraint set `Σ_j S_j = Y`, started at the Wiener
/// estimates, with the operator `A S_j = S_j / v_j + γ Q S_j` (`Q` = `FrameRunConsistency`) and
/// the constraint preconditioner `z_j = w_j (r_j − μ)`, `w_j = 1 / (1/v_j + γ)`,
/// `μ = Σ_j w_j r_j / Σ_j w_j`, which keeps every direction inside the constraint set and solves
/// the `γ = 0` problem exactly (so the Wiener start is its fixed point). Only outputs with at least
/// `inactiveShare` of the model power take part; the others keep their Wiener estimate.
///
/// Determinism: `Q` of each output is computed by one thread; inner products are summed per
/// frame in a fixed order, then over frames in order; so results do not depend on `threadCount`.
public struct ConsistentWienerFilter: Sendable {
    /// The settings.
    public let configuration: ConsistentWienerConfiguration
    /// The consistency projection of the STFT in use.
    public let consistency: FrameRunConsistency

    /// What one `refine` call did.
    public struct Report: Sendable, Equatable {
        /// Outputs that took part (the rest kept their Wiener estimate).
        public var activeOutputs: Int
        /// Conjugate-gradient iterations run (fewer than configured when the residual vanished).
        public var iterations: Int
        /// The objective `Σ_j ⟨S_j, S_j / v_j⟩ + γ ‖Q S_j‖²` (over active outputs, full-spectrum
        /// inner product) at the Wiener start and after each iteration; non-increasing.
        public var objective: [Double]
    }

    /// A filter for `transform`'s frames.
    /// - Throws: `ComplexNMFError.invalidParameter` for invalid settings.
    public init(transform: ShortTimeFourierTransform, configuration: ConsistentWienerConfiguration = ConsistentWienerConfiguration()) throws {
        try configuration.validate()
        self.configuration = configuration
        self.consistency = FrameRunConsistency(transform: transform)
    }

    /// Refines `estimates` in place.
    /// - Parameters:
    ///   - estimates: one `[bins × frames]` spectrum per output, summing to `mixture` (e.g. the
    ///     Wiener estimates).
    ///   - mixture: `Y` `[bins × frames]`.
    ///   - powers: each output's model power `v_j`, `bins × frames` values (column-major), ≥ 0.
    ///   - threadCount: worker threads.
    ///   - recordObjective: also compute `Report.objective` (one more `Q` per output and iteration).
    @discardableResult
    public func refine(_ estimates: inout [ComplexMatrix], mixture: ComplexMatrix, powers: [[Float]],
                       threadCount: Int = 1, recordObjective: Bool = false) -> Report {
        let bins = mixture.rows, frames = mixture.columns, outputs = estimates.count
        precondition(powers.count == outputs && estimates.allSatisfy { $0.rows == bins && $0.columns == frames }
                     && powers.allSatisfy { $0.count == bins * frames }, "consistent Wiener shapes")
        precondition(bins == consistency.transform.configuration.binCount, "bins of the transform")
        var report = Report(activeOutputs: 0, iterations: 0, objective: [])
        let entries = bins * frames
        guard configuration.iterations > 0, outputs >= 2, entries > 0 else { return report }

        // Model powers: the total per output, the floor, γ and the outputs that take part.
        var totals = [Double](repeating: 0, count: outputs)
        for j in 0..<outputs { for x in powers[j] { totals[j] += Double(x) } }
        let total = totals.reduce(0, +)
        guard total > 0, total.isFinite else { return report }
        let meanPower = total / Double(outputs * entries)
        let floor = Float(1e-10 * meanPower) + Float.leastNormalMagnitude
        let gamma = configuration.relativeWeight / meanPower
        let active = (0..<outputs).filter { totals[$0] >= configuration.inactiveShare * total }
        let m = active.count
        report.activeOutputs = m
        guard m >= 2 else { return report }

        let stride = 2 * entries
        let workspace = ConsistentWienerWorkspace(outputs: m, stride: stride, entries: entries)
        defer { workspace.deallocate() }
        let (s, r, p, q, v) = (workspace.s, workspace.r, workspace.p, workspace.q, workspace.v)
        for (a, j) in active.enumerated() {
            estimates[j].values.withUnsafeBufferPointer { s.advanced(by: a * stride).update(from: $0.baseAddress!, count: stride) }
            powers[j].withUnsafeBufferPointer { source in
                let target = v + a * entries
                for i in 0..<entries { target[i] = max(source[i], 0) + floor }
            }
        }
        let frameWorkers = max(1, min(threadCount, frames)), outputWorkers = max(1, min(threadCount, m))
        let scratches = (0..<outputWorkers).map { _ in self.consistency.makeScratch() }
        let projection = consistency
        let weights = (0..<bins).map { FrameRunConsistency.binWeight($0, binCount: bins) }
        let shared = UncheckedSendable(value: (s, r, p, q, v))
        let g = Float(gamma)

        /// `out_j ← Q x_j` for every active output, outputs split over threads.
        func inconsistency(of x: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
            let pointers = UncheckedSendable(value: (x, out))
            runWorkers(outputWorkers) { worker in
                for a in Swift.stride(from: worker, to: m, by: outputWorkers) {
                    projection.inconsistency(of: pointers.value.0 + a * stride, frames: frames,
                                              into: pointers.value.1 + a * stride, scratch: scratches[worker])
                }
            }
        }
        /// Runs `body(frame, partial)` for every frame on the frame workers and returns the sum of
        /// the per-frame partials in frame order.
        func overFrames(_ body: @escaping (Int) -> Double) -> Double {
            var partials = [Double](repeating: 0, count: frames)
            partials.withUnsafeMutableBufferPointer { buffer in
                let out = UncheckedSendable(value: buffer)
                let chunk = (frames + frameWorkers - 1) / frameWorkers
                runWorkers(frameWorkers) { worker in
                    for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) { out.value[t] = body(t) }
                }
            }
            return partials.reduce(0, +)
        }
        /// `Σ_j ⟨x_j, y_j⟩` in the full-spectrum inner product.
        func dot(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) -> Double {
            let pointers = UncheckedSendable(value: (x, y))
            return overFrames { t in
                var sum = 0.0
                for a in 0..<m {
                    let base = a * stride + 2 * bins * t
                    let xs = pointers.value.0 + base, ys = pointers.value.1 + base
                    for f in 0..<bins {
                        sum += weights[f] * (Double(xs[2 * f]) * Double(ys[2 * f]) + Double(xs[2 * f + 1]) * Double(ys[2 * f + 1]))
                    }
                }
                return sum
            }
        }
        /// `out ← A x` given `out = Q x` already.
        func completeOperator(_ x: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
            let pointers = UncheckedSendable(value: (x, out))
            _ = overFrames { t in
                let v = shared.value.4
                for a in 0..<m {
                    let base = a * stride + 2 * bins * t, vs = v + a * entries + bins * t
                    let xs = pointers.value.0 + base, os = pointers.value.1 + base
                    for f in 0..<bins {
                        let inverse = 1 / vs[f]
                        os[2 * f] = xs[2 * f] * inverse + g * os[2 * f]
                        os[2 * f + 1] = xs[2 * f + 1] * inverse + g * os[2 * f + 1]
                    }
                }
                return 0
            }
        }
        /// `z ← P_M r` (the constraint preconditioner, into `q`), and `r ← r − μ`. Removing the
        /// common part `μ` changes neither `z` nor `⟨r, z⟩` (`Σ_j z_j = 0`), but keeps `r` small as
        /// the iteration converges, so `r_j − μ` does not cancel catastrophically in Float.
        func projectResidual() {
            _ = overFrames { t in
                let (_, r, _, z, v) = shared.value
                for f in 0..<bins {
                    var weightSum = 0.0, re = 0.0, im = 0.0
                    for a in 0..<m {
                        let vf = Double(v[a * entries + bins * t + f])
                        let w = vf / (1 + gamma * vf)
                        let i = a * stride + 2 * (bins * t + f)
                        weightSum += w
                        re += w * Double(r[i]); im += w * Double(r[i + 1])
                    }
                    let muRe = re / weightSum, muIm = im / weightSum
                    for a in 0..<m {
                        let vf = Double(v[a * entries + bins * t + f])
                        let w = vf / (1 + gamma * vf)
                        let i = a * stride + 2 * (bins * t + f)
                        let centredRe = Double(r[i]) - muRe, centredIm = Double(r[i + 1]) - muIm
                        r[i] = Float(centredRe); r[i + 1] = Float(centredIm)
                        z[i] = Float(w * centredRe); z[i + 1] = Float(w * centredIm)
                    }
                }
                return 0
            }
        }
        /// The objective at the current `s` (uses `q` as scratch).
        func objective() -> Double {
            inconsistency(of: s, into: q)
            let qq = dot(q, q)
            let pointers = UncheckedSendable(value: s)
            let prior = overFrames { t in
                let v = shared.value.4
                var sum = 0.0
                for a in 0..<m {
                    let xs = pointers.value + a * stride + 2 * bins * t, vs = v + a * entries + bins * t
                    for f in 0..<bins {
                        let re = Double(xs[2 * f]), im = Double(xs[2 * f + 1])
                        sum += weights[f] * (re * re + im * im) / Double(vs[f])
                    }
                }
                return sum
            }
            return prior + gamma * qq
        }

        // r = −A s, z = P_M r (kept in q), p = z.
        if recordObjective { report.objective.append(objective()) }
        inconsistency(of: s, into: r)
        completeOperator(s, r)
        for i in 0..<(m * stride) { r[i] = -r[i] }
        projectResidual()
        var rz = dot(r, q)
        p.update(from: q, count: m * stride)
        for _ in 0..<configuration.iterations {
            guard rz > 0, rz.isFinite else { break }
            inconsistency(of: p, into: q)
            completeOperator(p, q)
            let curvature = dot(p, q)
            guard curvature > 0, curvature.isFinite else { break }
            let alpha = Float(rz / curvature)
            for i in 0..<(m * stride) {
                s[i] += alpha * p[i]
                r[i] -= alpha * q[i]
            }
            projectResidual()
            let next = dot(r, q)
            let beta = Float(next / rz)
            for i in 0..<(m * stride) { p[i] = q[i] + beta * p[i] }
            rz = next
            report.iterations += 1
            if recordObjective { report.objective.append(objective()) }
        }
        for (a, j) in active.enumerated() {
            estimates[j].values.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: s + a * stride, count: stride) }
        }
        Self.restoreSum(&estimates, mixture: mixture, active: active, weights: { a, i in
            let vf = Double(v[a * entries + i]); return vf / (1 + gamma * vf)
        })
        return report
    }
}

extension ConsistentWienerFilter {
    /// Adds what float rounding took from `Σ_j S_j = Y` back to the active outputs, entry by
    /// entry in proportion to their preconditioner weights `weights(a, entry)`.
    static func restoreSum(_ estimates: inout [ComplexMatrix], mixture: ComplexMatrix, active: [Int],
                           weights: (Int, Int) -> Double) {
        for i in 0..<(mixture.rows * mixture.columns) {
            var re = Double(mixture.values[2 * i]), im = Double(mixture.values[2 * i + 1])
            for estimate in estimates { re -= Double(estimate.values[2 * i]); im -= Double(estimate.values[2 * i + 1]) }
            var weightSum = 0.0
            for a in active.indices { weightSum += weights(a, i) }
            guard weightSum > 0 else { continue }
            for (a, j) in active.enumerated() {
                let share = weights(a, i) / weightSum
                estimates[j].values[2 * i] = Float(Double(estimates[j].values[2 * i]) + share * re)
                estimates[j].values[2 * i + 1] = Float(Double(estimates[j].values[2 * i + 1]) + share * im)
            }
        }
    }
}

/// The solver's vectors for `outputs` active outputs: estimates, residuals, directions, operator
/// values (interleaved complex, `stride` reals each) and floored powers (`entries` each).
struct ConsistentWienerWorkspace {
    let s, r, p, q, v: UnsafeMutablePointer<Float>

    init(outputs: Int, stride: Int, entries: Int) {
        s = .allocate(capacity: outputs * stride)
        r = .allocate(capacity: outputs * stride)
        p = .allocate(capacity: outputs * stride)
        q = .allocate(capacity: outputs * stride)
        v = .allocate(capacity: outputs * entries)
    }

    func deallocate() {
        for pointer in [s, r, p, q, v] { pointer.deallocate() }
    }
}
