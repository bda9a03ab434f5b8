import Foundation

/// SDR, SIR and SAR of one (estimate, reference) pair in one channel; `nil` when undefined
/// (silent reference or estimate, or a 0/0 ratio).
struct PairScores: Sendable, Hashable {
    var sdr: Double?
    var sir: Double?
    var sar: Double?

    static let undefined = PairScores(sdr: nil, sir: nil, sar: nil)
}

/// The BSS Eval decomposition of estimates on one channel (Vincent, Gribonval & Févotte 2006,
/// Section III.B; the `bss_eval_sources` of mir_eval and of the BSS_EVAL toolbox).
///
/// With `L` = filter length, `N` = samples, every signal zero-padded to `N + L − 1` samples, and
/// `P_R` the orthogonal projection onto the span of the delayed copies `s_i(n − a)`,
/// `a ∈ [0, L)`, of the references `i ∈ R`:
///
///     s_target = P_{j} ŝ                      (reference j through the best L-tap filter)
///     e_interf = P_{all} ŝ − P_{j} ŝ          (what the other references explain)
///     e_artif  = ŝ − P_{all} ŝ                (what no reference explains)
///     SDR = 10 log10(‖s_target‖² / ‖e_interf + e_artif‖²)
///     SIR = 10 log10(‖s_target‖² / ‖e_interf‖²)
///     SAR = 10 log10(‖s_target + e_interf‖² / ‖e_artif‖²)
///
/// Each projection solves the normal equations `G c = D`, with `G` the Gram matrix of the delayed
/// copies (blocks `G[(i,a),(k,b)] = Σ_n s_i(n − a) s_k(n − b)`, exact lagged products in `Double`)
/// and `D[(i,a)] = Σ_n s_i(n − a) ŝ(n)`; the projection `Σ c[(i,a)] s_i(n − a)` is then formed in
/// the time domain and the energies summed directly, as mir_eval does (no `‖ŝ‖² − cᵀD`
/// shortcut, which would lose the small residuals of good estimates to cancellation).
///
/// Unlike mir_eval, which rebuilds and re-solves `G_all` for every pair, `G_all` is factorised
/// once per channel and `G_jj` once per reference, and `P_all ŝ` is computed once per estimate.
///
/// Silent signals (all samples exactly 0): a silent reference is left out of `P_all` (it spans
/// nothing) and its pairs are undefined; a silent estimate's pairs are undefined.
///
/// Cost for S active references, E estimates, P pairs: lagged products `(S² + E·S)·L·N`,
/// filtering `(E·S + P)·L·(N + L)` multiply-adds, one `(S·L)³/3`-flop factorisation;
/// memory `8·(S·L)²` bytes for `G_all` plus `8·N` bytes per signal.
enum ProjectionDecomposition {
    /// Scores `pairs` (estimate index, reference index) of one channel.
    /// `references` and `estimates` are `[sources][samples]`, all of one length (checked by the caller).
    static func scores(
        references: [[Float]], estimates: [[Float]], pairs: [(estimate: Int, reference: Int)],
        filterLength: Int, workers: Int
    ) throws -> [PairScores] {
        let length = filterLength
        let activeReferences = references.indices.filter { !isSilent(references[$0]) }
        let positionOfReference = Dictionary(uniqueKeysWithValues: activeReferences.enumerated().map { ($1, $0) })
        let livePairs = pairs.indices.filter {
            positionOfReference[pairs[$0].reference] != nil && !isSilent(estimates[pairs[$0].estimate])
        }
        var result = [PairScores](repeating: .undefined, count: pairs.count)
        guard !livePairs.isEmpty else { return result }
        let liveEstimates = Array(Set(livePairs.map { pairs[$0].estimate })).sorted()
        let columnOfEstimate = Dictionary(uniqueKeysWithValues: liveEstimates.enumerated().map { ($1, $0) })

        let refs = activeReferences.map { PaddedSignal(references[$0], filterLength: length) }
        let ests = liveEstimates.map { PaddedSignal(estimates[$0], filterLength: length) }
        let sourceCount = refs.count
        let order = sourceCount * length

        // 1. Lagged products of every ordered reference pair: lags[p][q][k] = Σ_n s_p(n + k) s_q(n).
        let lagged = ResultSlots<[Double]>(count: sourceCount * sourceCount)
        runEvaluationTasks(sourceCount * sourceCount, workers: workers) { task in
            let (p, q) = (task / sourceCount, task % sourceCount)
            lagged[task] = DelayedCopyKernels.laggedProducts(refs[p], refs[q], lags: length)
        }
        // G[(p,a),(q,b)] = Σ_n s_p(n − a) s_q(n − b) = r_pq(b − a), with r_pq(−k) = r_qp(k).
        var gramMatrix = [Double](repeating: 0, count: order * order)
        for p in 0..<sourceCount {
            for q in 0..<sourceCount {
                let forward = lagged[p * sourceCount + q]!
                let backward = lagged[q * sourceCount + p]!
                for b in 0..<length {
                    let column = (q * length + b) * order + p * length
                    for a in 0..<length { gramMatrix[column + a] = b >= a ? forward[b - a] : backward[a - b] }
                }
            }
        }
        let gram = gramMatrix
        gramMatrix = []

        // 2. In parallel: factorise G_all (the long task, started first), each diagonal block
        //    G_pp, and the products D[e][(p,a)] = Σ_n ŝ_e(n + a) s_p(n).
        let blockSolvers = ResultSlots<GramSolver>(count: sourceCount + 1)
        let failures = ResultSlots<Error>(count: sourceCount + 1)
        let products = ResultSlots<[Double]>(count: ests.count * sourceCount)
        let factorTasks = sourceCount + 1
        runEvaluationTasks(factorTasks + ests.count * sourceCount, workers: workers) { task in
            if task < factorTasks {
                let block: [Double]
                if task == 0 {
                    block = gram
                } else {
                    let p = task - 1, start = p * length
                    var diagonal = [Double](repeating: 0, count: length * length)
                    for b in 0..<length {
                        for a in 0..<length { diagonal[b * length + a] = gram[(start + b) * order + start + a] }
                    }
                    block = diagonal
                }
                do { blockSolvers[task] = try GramSolver(gram: block, order: task == 0 ? order : length) } catch {
                    failures[task] = error
                }
            } else {
                let index = task - factorTasks
                let (e, p) = (index / sourceCount, index % sourceCount)
                products[index] = DelayedCopyKernels.laggedProducts(ests[e], refs[p], lags: length)
            }
        }
        for task in 0..<factorTasks { if let error = failures[task] { throw error } }

        // 3. Filter coefficients. All estimates at once for P_all; per reference for P_j.
        var rightHandSides = [Double](repeating: 0, count: order * ests.count)
        for e in 0..<ests.count {
            for p in 0..<sourceCount {
                let d = products[e * sourceCount + p]!
                for a in 0..<length { rightHandSides[e * order + p * length + a] = d[a] }
            }
        }
        let allCoefficients = blockSolvers[0]!.solve(rightHandSides, columns: ests.count)
        var targetCoefficients = [[Double]](repeating: [], count: pairs.count)
        for p in 0..<sourceCount {
            let pairsOfReference = livePairs.filter { positionOfReference[pairs[$0].reference] == p }
            guard !pairsOfReference.isEmpty else { continue }
            var rhs = [Double](repeating: 0, count: length * pairsOfReference.count)
            for (column, pair) in pairsOfReference.enumerated() {
                let e = columnOfEstimate[pairs[pair].estimate]!
                for a in 0..<length { rhs[column * length + a] = rightHandSides[e * order + p * length + a] }
            }
            let solved = blockSolvers[p + 1]!.solve(rhs, columns: pairsOfReference.count)
            for (column, pair) in pairsOfReference.enumerated() {
                targetCoefficients[pair] = Array(solved[(column * length)..<((column + 1) * length)])
            }
        }

        // 4. Projections in the time domain: P_all ŝ once per estimate, then P_j ŝ and the
        //    energies per pair.
        let projections = ResultSlots<[Double]>(count: ests.count)
        runEvaluationTasks(ests.count, workers: workers) { e in
            let coefficients = Array(allCoefficients[(e * order)..<((e + 1) * order)])
            projections[e] = DelayedCopyKernels.filteredSum(signals: refs, filters: coefficients, filterLength: length)
        }
        let scored = ResultSlots<PairScores>(count: livePairs.count)
        runEvaluationTasks(livePairs.count, workers: workers) { index in
            let pair = livePairs[index]
            let e = columnOfEstimate[pairs[pair].estimate]!
            let p = positionOfReference[pairs[pair].reference]!
            let target = DelayedCopyKernels.filteredSum(
                signals: [refs[p]], filters: targetCoefficients[pair], filterLength: length)
            scored[index] = score(estimate: ests[e], target: target, projection: projections[e]!)
        }
        for (index, pair) in livePairs.enumerated() { result[pair] = scored[index]! }
        return result
    }

    /// The three ratios from `ŝ` (padded), `s_target = P_j ŝ` and `P_all ŝ` (both `N + L − 1` long).
    static func score(estimate: PaddedSignal, target: [Double], projection: [Double]) -> PairScores {
        var targetEnergy = 0.0, distortion = 0.0, interference = 0.0, projected = 0.0, artifacts = 0.0
        estimate.samples.withUnsafeBufferPointer { samples in
            let s = samples.baseAddress! + estimate.lead
            for n in 0..<target.count {
                let t = target[n], all = projection[n], x = s[n]
                targetEnergy += t * t
                distortion += (x - t) * (x - t)  // ‖e_interf + e_artif‖²
                interference += (all - t) * (all - t)  // ‖e_interf‖²
                projected += all * all  // ‖s_target + e_interf‖²
                artifacts += (x - all) * (x - all)  // ‖e_artif‖²
            }
        }
        return PairScores(
            sdr: decibels(targetEnergy, over: distortion),
            sir: decibels(targetEnergy, over: interference),
            sar: decibels(projected, over: artifacts))
    }

    /// `10 log10(numerator / denominator)`; `+inf` for a zero denominator (mir_eval's `_safe_db`),
    /// `-inf` for a zero numerator, `nil` for 0/0 (mir_eval would say `+inf`).
    static func decibels(_ numerator: Double, over denominator: Double) -> Double? {
        if denominator == 0 { return numerator == 0 ? nil : .infinity }
        return 10 * log10(numerator / denominator)
    }

    /// True when every sample is exactly zero.
    static func isSilent(_ signal: [Float]) -> Bool { signal.allSatisfy { $0 == 0 } }
}

/// Fixed slots that concurrent tasks fill at distinct indices (a lock guards the array itself).
final class ResultSlots<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(count: Int) { values = [Value?](repeating: nil, count: count) }

    subscript(index: Int) -> Value? {
        get { lock.lock(); defer { lock.unlock() }; return values[index] }
        set { lock.lock(); values[index] = newValue; lock.unlock() }
    }
}
