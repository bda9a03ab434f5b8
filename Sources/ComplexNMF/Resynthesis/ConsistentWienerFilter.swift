import CConsistentWienerKernel
import Foundation

/// Consistent Wiener filtering of one run of frames (see `ConsistentWienerConfiguration` for the
/// problem): refines Wiener estimates `S_j = v_j / Σ v · Y` into estimates that are closer to
/// spectrograms of actual signals while still summing exactly to the mixture `Y`.
///
/// Solver: conjugate gradients on the constraint set `Σ_j S_j = Y`, started at the Wiener
/// estimates, with the operator `A S_j = S_j / v_j + γ Q S_j` (`Q` = `FrameRunConsistency`) and
/// the constraint preconditioner `z_j = w_j (r_j − μ)`, `w_j = 1 / (1/v_j + γ)`,
/// `μ = Σ_j w_j r_j / Σ_j w_j`, which keeps every direction inside the constraint set and solves
/// the `γ = 0` problem exactly (so the Wiener start is its fixed point). Only the loudest outputs
/// take part (at most `maximumActiveOutputs`, each with at least `inactiveShare` of the model
/// power); the others keep their Wiener estimate.
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
        precondition(powers.count == estimates.count && powers.allSatisfy { $0.count == mixture.rows * mixture.columns }, "consistent Wiener shapes")
        let totals = powers.map { $0.reduce(0.0) { $0 + Double($1) } }
        return refine(&estimates, mixture: mixture, totalPowers: totals, power: { powers[$0] },
                      threadCount: threadCount, recordObjective: recordObjective)
    }

    /// The outputs that take part in a solve, in output order: the loudest by total model power
    /// (ties by index), at most `maximumActiveOutputs`, each with at least `inactiveShare` of the
    /// total. Empty when fewer than two qualify (there is nothing to solve).
    public func activeOutputs(totalPowers totals: [Double]) -> [Int] {
        let total = totals.reduce(0, +)
        guard total > 0, total.isFinite else { return [] }
        let active = (0..<totals.count).filter { totals[$0] >= configuration.inactiveShare * total }
            .sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
            .prefix(configuration.maximumActiveOutputs).sorted()
        return active.count >= 2 ? Array(active) : []
    }

    /// Refines `estimates` in place, asking for the model power of the active outputs only.
    /// - Parameters:
    ///   - estimates: one `[bins × frames]` spectrum per output, summing to `mixture`.
    ///   - mixture: `Y` `[bins × frames]`.
    ///   - totalPowers: each output's model power summed over the bins and frames.
    ///   - power: output j's model power `v_j`, `bins × frames` values (column-major), ≥ 0;
    ///     called once for each active output, from up to `threadCount` threads at once.
    ///   - threadCount: worker threads.
    ///   - recordObjective: also compute `Report.objective` (one more `Q` per output and iteration).
    @discardableResult
    ///   - workspace: buffers to reuse from call to call (one per caller; nil: temporary ones).
    public func refine(_ estimates: inout [ComplexMatrix], mixture: ComplexMatrix, totalPowers totals: [Double],
                       power: (Int) -> [Float], threadCount: Int = 1, recordObjective: Bool = false,
                       workspace reusable: Workspace? = nil) -> Report {
        let bins = mixture.rows, frames = mixture.columns, outputs = estimates.count
        precondition(totals.count == outputs && estimates.allSatisfy { $0.rows == bins && $0.columns == frames }, "consistent Wiener shapes")
        precondition(bins == consistency.transform.configuration.binCount, "bins of the transform")
        var report = Report(activeOutputs: 0, iterations: 0, objective: [])
        let entries = bins * frames
        guard configuration.iterations > 0, outputs >= 2, entries > 0 else { return report }

        // The floor, γ (from the mean model power over all outputs) and the outputs that take part.
        let total = totals.reduce(0, +)
        guard total > 0, total.isFinite else { return report }
        let meanPower = total / Double(outputs * entries)
        let floor = Float(1e-10 * meanPower) + Float.leastNormalMagnitude
        let gamma = configuration.relativeWeight / meanPower
        let active = activeOutputs(totalPowers: totals)
        let m = active.count
        report.activeOutputs = m
        guard m >= 2 else { return report }

        let stride = 2 * entries
        let frameWorkers = max(1, min(threadCount, frames)), outputWorkers = max(1, min(threadCount, m))
        let owner = reusable ?? Workspace()
        owner.reserve(floats: m * stride, reals: stride, scratches: outputWorkers, consistency: consistency)
        let ws = owner.buffers
        let scratches = owner.scratches
        /// Runs `body(a)` for every active output a, outputs split over threads.
        func overOutputs(_ body: (Int) -> Void) {
            runWorkers(outputWorkers) { worker in
                for a in Swift.stride(from: worker, to: m, by: outputWorkers) { body(a) }
            }
        }
        // s ← the active estimates; 1/v and the preconditioner weights w = 1/(1/v + γ) per entry
        // (each twice, for re and im); active outputs split over threads.
        estimates.withUnsafeBufferPointer { estimates in
            let sources = UncheckedSendable(value: estimates)
            overOutputs { a in
                let j = active[a]
                sources.value[j].values.withUnsafeBufferPointer { ws.s.advanced(by: a * stride).update(from: $0.baseAddress!, count: stride) }
                let v = power(j)
                precondition(v.count == entries, "model power of output \(j): \(v.count) values for \(entries) entries")
                v.withUnsafeBufferPointer { source in
                    for i in 0..<entries {
                        let v = Double(max(source[i], 0) + floor)
                        let inverse = Float(1 / v), weight = Float(v / (1 + gamma * v))
                        let k = a * stride + 2 * i
                        ws.inverseV[k] = inverse; ws.inverseV[k + 1] = inverse
                        ws.weight[k] = weight; ws.weight[k + 1] = weight
                    }
                }
            }
        }
        // The active outputs' sum, which the solve keeps (Σ_j S_j = Y with the others fixed),
        // summed over outputs in order; entries split over threads.
        runWorkers(frameWorkers) { worker in
            let first = stride * worker / frameWorkers, last = stride * (worker + 1) / frameWorkers
            guard first < last else { return }
            (ws.fixed + first).update(from: ws.s + first, count: last - first)
            for a in 1..<m { let source = ws.s + a * stride; for i in first..<last { ws.fixed[i] += source[i] } }
        }
        let projection = consistency
        // Bin weights of the two-sided inner product, per real.
        let binWeights = (0..<(2 * bins)).map { Float(FrameRunConsistency.binWeight($0 / 2, binCount: bins)) }
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
        /// Runs `body(first, last, frameSums, scratch)` on contiguous frame ranges, one per
        /// worker, and returns the sum of the per-frame sums in frame order.
        func overFrames(_ body: @escaping (Int32, Int32, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Float>) -> Void) -> Double {
            var sums = [Double](repeating: 0, count: frames)
            var scratch = [Float](repeating: 0, count: frameWorkers * 4 * bins)
            sums.withUnsafeMutableBufferPointer { sums in
            scratch.withUnsafeMutableBufferPointer { scratch in
                let out = UncheckedSendable(value: (sums.baseAddress!, scratch.baseAddress!))
                let chunk = (frames + frameWorkers - 1) / frameWorkers
                runWorkers(frameWorkers) { worker in
                    let first = min(frames, worker * chunk), last = min(frames, (worker + 1) * chunk)
                    if first < last { body(Int32(first), Int32(last), out.value.0, out.value.1 + worker * 4 * bins) }
                }
            }}
            return sums.reduce(0, +)
        }
        let (m32, bins32) = (Int32(m), Int32(bins))
        /// `out ← A x` given `out = Q x`; returns `⟨x, A x⟩`.
        func completeOperator(_ x: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) -> Double {
            let pointers = UncheckedSendable(value: (x, out))
            return binWeights.withUnsafeBufferPointer { c in
                let c = UncheckedSendable(value: c.baseAddress!)
                return overFrames { first, last, sums, _ in
                    cw_apply_operator(CNMF_LEVEL_AUTOMATIC, m32, bins32, stride, first, last, pointers.value.0, pointers.value.1,
                                      ws.inverseV, g, c.value, sums)
                }
            }
        }
        /// Optionally `s += α p`, `r −= α q` first; then `r ← r − μ` and `z ← w (r − μ)` into `q`
        /// with `μ = Σ_j w_j r_j / Σ_j w_j` (the constraint preconditioner; removing the common
        /// part `μ` from `r` changes neither `z` nor `⟨r, z⟩` since `Σ_j z_j = 0`, and keeps `r`
        /// small so `r − μ` does not cancel in Float). Returns `⟨r, z⟩`.
        func stepAndProject(alpha: Float?) -> Double {
            binWeights.withUnsafeBufferPointer { c in
                let c = UncheckedSendable(value: c.baseAddress!)
                return overFrames { first, last, sums, scratch in
                    cw_step_and_project(CNMF_LEVEL_AUTOMATIC, m32, bins32, stride, first, last, alpha == nil ? 0 : 1, alpha ?? 0,
                                        ws.s, ws.p, ws.q, ws.r, ws.weight, c.value, scratch, sums)
                }
            }
        }
        /// The objective at the current `s` (uses `q` as scratch).
        func objective() -> Double {
            inconsistency(of: ws.s, into: ws.q)
            var qq = 0.0, prior = 0.0
            for i in 0..<(m * stride) {
                let c = Double(binWeights[i % (2 * bins)])
                qq += c * Double(ws.q[i]) * Double(ws.q[i])
                prior += c * Double(ws.s[i]) * Double(ws.s[i]) * Double(ws.inverseV[i])
            }
            return prior + gamma * qq
        }

        // r = −A s, z = P_M r (kept in q), p = z.
        if recordObjective { report.objective.append(objective()) }
        inconsistency(of: ws.s, into: ws.r)
        _ = completeOperator(ws.s, ws.r)
        overOutputs { a in let r = ws.r + a * stride; for i in 0..<stride { r[i] = -r[i] } }
        var rz = stepAndProject(alpha: nil)
        overOutputs { a in (ws.p + a * stride).update(from: ws.q + a * stride, count: stride) }
        for _ in 0..<configuration.iterations(activeOutputs: m) {
            guard rz > 0, rz.isFinite else { break }
            inconsistency(of: ws.p, into: ws.q)
            let curvature = completeOperator(ws.p, ws.q)
            guard curvature > 0, curvature.isFinite else { break }
            let next = stepAndProject(alpha: Float(rz / curvature))
            let beta = Float(next / rz)
            _ = overFrames { first, last, _, _ in
                cw_update_direction(CNMF_LEVEL_AUTOMATIC, m32, bins32, stride, first, last, beta, ws.p, ws.q)
            }
            rz = next
            report.iterations += 1
            if recordObjective { report.objective.append(objective()) }
        }
        // What float rounding took from the active outputs' sum goes back to them in proportion
        // to their weights.
        _ = overFrames { first, last, _, scratch in
            cw_restore_sum(CNMF_LEVEL_AUTOMATIC, m32, bins32, stride, first, last, ws.s, ws.weight, ws.fixed, scratch)
        }
        estimates.withUnsafeMutableBufferPointer { estimates in
            let targets = UncheckedSendable(value: estimates)
            overOutputs { a in
                targets.value[active[a]].values.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: ws.s + a * stride, count: stride) }
            }
        }
        return report
    }
}

extension ConsistentWienerFilter {
    /// Buffers of `refine` kept between calls (they grow to the largest solve seen), so a stream
    /// of chunks does not allocate and fault in fresh pages for every solve. Not thread-safe:
    /// one per caller.
    public final class Workspace: @unchecked Sendable {
        var buffers = ConsistentWienerWorkspace(floats: 0, reals: 0)
        var scratches: [FrameRunConsistency.Scratch] = []

        /// An empty workspace.
        public init() {}

        func reserve(floats: Int, reals: Int, scratches count: Int, consistency: FrameRunConsistency) {
            if buffers.floats < floats || buffers.reals < reals {
                buffers.deallocate()
                buffers = ConsistentWienerWorkspace(floats: max(floats, buffers.floats), reals: max(reals, buffers.reals))
            }
            while scratches.count < count { scratches.append(consistency.makeScratch()) }
        }

        deinit { buffers.deallocate() }
    }
}

/// The solver's vectors (`floats` reals each): estimates, residuals, directions, operator values
/// (interleaved complex), `1/v` and preconditioner weights (each value twice, for re and im); and
/// the active outputs' sum at the start (`reals` reals).
struct ConsistentWienerWorkspace: @unchecked Sendable {
    let s, r, p, q, inverseV, weight, fixed: UnsafeMutablePointer<Float>
    let floats: Int, reals: Int

    init(floats: Int, reals: Int) {
        self.floats = floats
        self.reals = reals
        s = .allocate(capacity: max(1, floats))
        r = .allocate(capacity: max(1, floats))
        p = .allocate(capacity: max(1, floats))
        q = .allocate(capacity: max(1, floats))
        inverseV = .allocate(capacity: max(1, floats))
        weight = .allocate(capacity: max(1, floats))
        fixed = .allocate(capacity: max(1, reals))
    }

    func deallocate() {
        for pointer in [s, r, p, q, inverseV, weight, fixed] { pointer.deallocate() }
    }
}
