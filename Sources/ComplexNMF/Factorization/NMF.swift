import Foundation

/// The divergence between magnitudes `V` and the model `Λ = H U` that NMF minimises.
public enum Divergence: String, Sendable, Hashable, Codable, CaseIterable {
    /// Squared Euclidean distance, cost `½‖V − HU‖²` (the predecessor's NMF).
    case euclidean = "euclid"
    /// Generalised Kullback–Leibler, cost `Σ V log(V/Λ) − V + Λ` (β = 1).
    case kullbackLeibler = "kl"
    /// Itakura–Saito, cost `Σ V/Λ − log(V/Λ) − 1` (β = 0).
    case itakuraSaito = "is"
    /// β-divergence with β = ½, cost `Σ 2√Λ + 2V/√Λ − 4√V`: between KL and Itakura–Saito; on
    /// power spectrograms it measured best for separation (README, "Separation quality").
    case betaHalf = "beta0.5"

    /// The β of the β-divergence family (2 Euclidean, 1 KL, ½, 0 Itakura–Saito).
    public var beta: Double {
        switch self {
        case .euclidean: 2
        case .kullbackLeibler: 1
        case .betaHalf: 0.5
        case .itakuraSaito: 0
        }
    }

    /// The cost's name for plots and reports.
    public var costName: String {
        switch self {
        case .euclidean: "½‖V − HU‖²"
        case .kullbackLeibler: "KL divergence"
        case .itakuraSaito: "Itakura–Saito divergence"
        case .betaHalf: "β-divergence (β = ½)"
        }
    }
}

/// Settings of `NMF`.
public struct NMFConfiguration: Sendable, Hashable, Codable {
    /// The divergence to minimise. Default `.euclidean` (the predecessor's).
    public var divergence: Divergence = .euclidean
    /// When to stop. Default: 100 iterations.
    public var stopping = StoppingRule()
    /// Worker threads (frames are split between them). Default: all cores. Results do not
    /// depend on it.
    public var threadCount: Int = availableCoreCount

    /// The defaults.
    public init() {}
}

/// The result of `NMF.decompose`.
public struct NMFResult: Sendable {
    /// Activations `U` `[components × frames]`.
    public var activations: RealMatrix
    /// Cost after each iteration run (length = `iterations`).
    public var cost: [Double]
    /// Cost of the initial activations.
    public var initialCost: Double
    /// Each frame's share of the cost after each iteration, `[iterations × frames]`
    /// (iteration-major): `cost[i]` is the sum of row i in frame order.
    public var frameCosts: [Double]
    /// Iterations run.
    public var iterations: Int { cost.count }
}

/// Magnitude NMF with a fixed basis: only the activations `U` are updated, with the
/// multiplicative updates of the chosen divergence (`ε` = `NumericalGuards.epsilon`):
///
///     euclid: U ← U ⊙ (HᵀV) / (HᵀH U + ε)                 (HᵀV and HᵀH computed once)
///     kl:     U ← U ⊙ Hᵀ(V / (Λ+ε)) / (Hᵀ1 + ε)            Λ = H U
///     is:     U ← U ⊙ Hᵀ(V (Λ+ε)⁻²) / (Hᵀ(Λ+ε)⁻¹ + ε)
///     β = ½:  U ← U ⊙ Hᵀ(V (Λ+ε)^−1.5) / (Hᵀ(Λ+ε)^−0.5 + ε)
///
/// The basis is never modified. Frames are independent given `H`, so they are split over
/// threads; every sum has a fixed order, so results do not depend on the thread count.
/// Arithmetic is in Double.
public struct NMF: Sendable {
    /// The settings.
    public var configuration: NMFConfiguration

    /// An NMF with the given settings.
    public init(configuration: NMFConfiguration = NMFConfiguration()) {
        self.configuration = configuration
    }

    /// Decomposes `magnitudes` `V` `[bins × frames]` ≈ `basis` `H` `[bins × K]` · `U` `[K × frames]`.
    /// - Parameters:
    ///   - initialActivations: `U0` `[K × frames]`, finite and ≥ 0.
    ///   - progress: called after each iteration.
    /// - Throws: `ComplexNMFError.numericalFailure` if the cost stops being finite.
    public func decompose(magnitudes: RealMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          progress: ((IterationProgress) -> Void)? = nil) throws -> NMFResult {
        try configuration.stopping.validate()
        precondition(magnitudes.rows == basis.rows, "bins differ")
        precondition(initialActivations.rows == basis.columns && initialActivations.columns == magnitudes.columns, "U0 shape")
        let problem = NMFProblem(v: magnitudes, h: basis, divergence: configuration.divergence, threads: configuration.threadCount)
        var u = initialActivations.values.map(Double.init)
        let (initialCost, _, first) = problem.pass(u)
        var next = first
        var costs: [Double] = []
        var frameCosts: [Double] = []
        let rule = configuration.stopping
        while true {
            let current = next
            let (cost, perFrame, following) = problem.pass(current)
            guard cost.isFinite else {
                throw ComplexNMFError.numericalFailure(reason: "NMF cost became \(cost) at iteration \(costs.count + 1)")
            }
            u = current
            next = following
            costs.append(cost)
            frameCosts += perFrame
            progress?(IterationProgress(iteration: costs.count, maximumIterations: rule.maximumIterations, cost: cost))
            if rule.shouldStop(costs: costs) { break }
        }
        let activations = RealMatrix(rows: basis.columns, columns: magnitudes.columns, values: u.map(Float.init))
        return NMFResult(activations: activations, cost: costs, initialCost: initialCost, frameCosts: frameCosts)
    }
}

/// The precomputed quantities of one NMF problem and its fused pass.
struct NMFProblem {
    let bins: Int, components: Int, frames: Int
    let divergence: Divergence
    let threads: Int
    /// `H` row-major `[bins][components]` in Double (a bin's components contiguous).
    let hRows: [Double]
    /// `V` column-major `[bins × frames]` in Double.
    let v: [Double]
    /// Euclidean: `HᵀV` `[K × frames]`, `HᵀH` `[K × K]`, `‖V‖²` per frame.
    let htv: [Double], hth: [Double], vNorms: [Double]
    /// KL: column sums `Hᵀ1` `[K]`.
    let columnSums: [Double]
    /// Float copies for the β-divergence pass: `H` column-major, `H` row-major, `V`.
    let hColumnsF: [Float], hRowsF: [Float], vF: [Float]

    init(v: RealMatrix, h: RealMatrix, divergence: Divergence, threads: Int) {
        bins = v.rows; components = h.columns; frames = v.columns
        self.divergence = divergence
        self.threads = max(1, min(threads, frames))
        var rows = [Double](repeating: 0, count: bins * components)
        for k in 0..<components { for f in 0..<bins { rows[f * components + k] = Double(h[f, k]) } }
        hRows = rows
        self.v = v.values.map(Double.init)
        hColumnsF = h.values
        hRowsF = rows.map(Float.init)
        vF = divergence == .euclidean ? [] : v.values
        var sums = [Double](repeating: 0, count: components)
        for f in 0..<bins { for k in 0..<components { sums[k] += rows[f * components + k] } }
        columnSums = sums
        if divergence == .euclidean {
            let (bins, components, frames) = (bins, components, frames)
            var gram = [Double](repeating: 0, count: components * components)
            for f in 0..<bins {
                for a in 0..<components {
                    let ha = rows[f * components + a]
                    if ha == 0 { continue }
                    for b in 0..<components { gram[a * components + b] += ha * rows[f * components + b] }
                }
            }
            hth = gram
            var projected = [Double](repeating: 0, count: components * frames)
            var norms = [Double](repeating: 0, count: frames)
            let values = self.v
            let workers = self.threads
            projected.withUnsafeMutableBufferPointer { out in
                norms.withUnsafeMutableBufferPointer { normsOut in
                    let chunk = (frames + workers - 1) / workers
                    runWorkers(workers) { worker in
                        for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                            var norm = 0.0
                            for f in 0..<bins {
                                let x = values[t * bins + f]
                                norm += x * x
                                if x == 0 { continue }
                                for k in 0..<components { out[t * components + k] += rows[f * components + k] * x }
                            }
                            normsOut[t] = norm
                        }
                    }
                }
            }
            htv = projected
            vNorms = norms
        } else {
            hth = []; htv = []; vNorms = []
        }
    }

    /// Frames processed together by the β-divergence pass, so that each template is read once
    /// per group instead of once per frame (the per-frame arithmetic is unchanged).
    static let frameGroup = 8

    /// Frames `first ..< first + count` (count ≤ `frameGroup`) of the β-divergence (KL, β = ½,
    /// IS) pass: the models `Λ = H u` and the update sums `Hᵀ(V Λ^(β−2))`, `Hᵀ Λ^(β−1)` as Float
    /// axpy loops over contiguous memory (vectorised by the compiler; every sum has a fixed
    /// order per frame), costs and new activations in Double. Writes `out`, `costs`.
    func divergenceFrames(first: Int, count: Int, u: UnsafePointer<Double>, out: UnsafeMutablePointer<Double>,
                          costs: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Float>) {
        let bins = bins, components = components, divergence = divergence
        let eps = Float(NumericalGuards.epsilon)
        // scratch: models [count × bins], a-weights, b-weights, numerators, denominators [count × K].
        let m = scratch, wa = m + count * bins, wb = wa + count * bins
        let num = wb + count * bins, den = num + count * components
        hColumnsF.withUnsafeBufferPointer { hc in
            hRowsF.withUnsafeBufferPointer { hr in
                vF.withUnsafeBufferPointer { vAll in
                    // Λ_j = Σ_k u_jk H[:, k]
                    for i in 0..<(count * bins) { m[i] = eps }
                    for k in 0..<components {
                        let column = hc.baseAddress! + k * bins
                        for j in 0..<count {
                            let uk = Float(u[(first + j) * components + k])
                            if uk == 0 { continue }
                            let model = m + j * bins
                            for f in 0..<bins { model[f] += uk * column[f] }
                        }
                    }
                    // Weights V Λ^(β−2) and Λ^(β−1), and the costs.
                    for j in 0..<count {
                        let x = vAll.baseAddress! + (first + j) * bins, model = m + j * bins
                        let a = wa + j * bins, b = wb + j * bins
                        var cost = 0.0
                        switch divergence {
                        case .kullbackLeibler:
                            for f in 0..<bins {
                                let l = model[f], v = x[f]
                                a[f] = v / l
                                if v > 0 { cost += Double(v) * log(Double(v + eps) / Double(l)) }
                                cost += Double(l - eps) - Double(v)
                            }
                        case .betaHalf:
                            for f in 0..<bins {
                                let l = model[f], v = x[f]
                                let r = 1 / l.squareRoot()
                                b[f] = r
                                a[f] = v * r * r * r
                                cost += 2 * Double(l).squareRoot() + 2 * Double(v) * Double(r) - 4 * Double(v).squareRoot()
                            }
                        case .itakuraSaito:
                            for f in 0..<bins {
                                let l = model[f], v = x[f]
                                let r = 1 / l
                                b[f] = r
                                a[f] = v * r * r
                                let ratio = Double(v + eps) / Double(l)
                                cost += ratio - log(ratio) - 1
                            }
                        case .euclidean:
                            preconditionFailure("the Euclidean pass uses HᵀH")
                        }
                        costs[first + j] = cost
                    }
                    // Σ_f H[f, :] a_f (and b_f), bin by bin: axpy over the components.
                    for i in 0..<(count * components) { num[i] = 0; den[i] = 0 }
                    for f in 0..<bins {
                        let row = hr.baseAddress! + f * components
                        for j in 0..<count {
                            let aj = wa[j * bins + f], target = num + j * components
                            for k in 0..<components { target[k] += row[k] * aj }
                            if divergence != .kullbackLeibler {
                                let bj = wb[j * bins + f], targetB = den + j * components
                                for k in 0..<components { targetB[k] += row[k] * bj }
                            }
                        }
                    }
                }
            }
        }
        for j in 0..<count {
            for k in 0..<components {
                let i = (first + j) * components + k
                let denominator = divergence == .kullbackLeibler ? columnSums[k] : Double(den[j * components + k])
                out[i] = u[i] * Double(num[j * components + k]) / (denominator + NumericalGuards.epsilon)
            }
        }
    }

    /// The cost of `u` and the multiplicatively updated activations, in one pass over the frames.
    func pass(_ u: [Double]) -> (cost: Double, frameCosts: [Double], updated: [Double]) {
        let eps = NumericalGuards.epsilon
        var updated = [Double](repeating: 0, count: u.count)
        var frameCosts = [Double](repeating: 0, count: frames)
        let chunk = (frames + threads - 1) / threads
        let (bins, components, frames, divergence) = (bins, components, frames, divergence)
        let uStorage = UncheckedSendable(value: u)
        uStorage.value.withUnsafeBufferPointer { uBuffer in
        let uPointer = uBuffer.baseAddress!
        updated.withUnsafeMutableBufferPointer { out in
            frameCosts.withUnsafeMutableBufferPointer { costs in
                runWorkers(threads) { worker in
                    let lower = worker * chunk, upper = min(frames, (worker + 1) * chunk)
                    if divergence != .euclidean {
                        let group = Self.frameGroup
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: group * (3 * bins + 2 * components))
                        defer { scratch.deallocate() }
                        var t = lower
                        while t < upper {
                            let count = min(group, upper - t)
                            divergenceFrames(first: t, count: count, u: uPointer, out: out.baseAddress!, costs: costs.baseAddress!, scratch: scratch)
                            t += count
                        }
                        return
                    }
                    for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                        let ut = t * components
                        do {
                            // ½‖v − Hu‖² = ½(‖v‖² − 2 uᵀHᵀv + uᵀHᵀH u), with HᵀH u the update's denominator.
                            var cross = 0.0, quadratic = 0.0
                            for a in 0..<components {
                                var gu = 0.0
                                for b in 0..<components { gu += hth[a * components + b] * u[ut + b] }
                                cross += u[ut + a] * htv[ut + a]
                                quadratic += u[ut + a] * gu
                                out[ut + a] = u[ut + a] * htv[ut + a] / (gu + eps)
                            }
                            costs[t] = 0.5 * max(0, vNorms[t] - 2 * cross + quadratic)
                        }
                    }
                }
            }
        }
        }
        // Frame costs summed in frame order: independent of the thread split.
        return (frameCosts.reduce(0, +), frameCosts, updated)
    }
}
