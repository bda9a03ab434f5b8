import Foundation

/// The plain-Swift passes that `NMF` ran before `BetaNMFKernel`, kept as the tests' reference
/// for the kernel; not used by the library. Euclidean is `NMFProblem` (all Double); the
/// β-divergence pass (KL, β = ½, Itakura–Saito) below is Float axpy loops over contiguous memory
/// (≈ 1–4 G multiply-adds/s per core), costs and updates in Double, with exact `1/√Λ` and `log`.
///
///     kl:     U ← U ⊙ Hᵀ(V / (Λ+ε)) / (Hᵀ1 + ε)            Λ = H U
///     is:     U ← U ⊙ Hᵀ(V (Λ+ε)⁻²) / (Hᵀ(Λ+ε)⁻¹ + ε)
///     β = ½:  U ← U ⊙ Hᵀ(V (Λ+ε)^−1.5) / (Hᵀ(Λ+ε)^−0.5 + ε)
struct NMFReferencePass {
    let bins: Int, components: Int, frames: Int
    let divergence: Divergence
    let threads: Int
    /// Column sums `Hᵀ1` `[K]` in Double (the KL denominator).
    let columnSums: [Double]
    /// Float copies: `H` column-major `[bins × K]`, `H` row-major `[bins][K]`, `V` `[bins × frames]`.
    let hColumnsF: [Float], hRowsF: [Float], vF: [Float]

    /// The pass for magnitudes `v` `[bins × frames]` and basis `h` `[bins × K]`; `divergence` is
    /// not `.euclidean` (whose pass is `NMFProblem`).
    init(v: RealMatrix, h: RealMatrix, divergence: Divergence, threads: Int) {
        precondition(divergence != .euclidean, "the Euclidean pass uses HᵀH (NMFProblem)")
        bins = v.rows; components = h.columns; frames = v.columns
        self.divergence = divergence
        self.threads = max(1, min(threads, frames))
        var rows = [Double](repeating: 0, count: bins * components)
        for k in 0..<components { for f in 0..<bins { rows[f * components + k] = Double(h[f, k]) } }
        hColumnsF = h.values
        hRowsF = rows.map(Float.init)
        vF = v.values
        var sums = [Double](repeating: 0, count: components)
        for f in 0..<bins { for k in 0..<components { sums[k] += rows[f * components + k] } }
        columnSums = sums
    }

    /// The whole former `NMF.decompose` (any divergence): the same `NMFResult` semantics.
    static func decompose(magnitudes: RealMatrix, basis: RealMatrix, initialActivations: RealMatrix,
                          configuration: NMFConfiguration) throws -> NMFResult {
        try configuration.stopping.validate()
        let threads = max(1, min(configuration.threadCount, magnitudes.columns))
        if configuration.divergence == .euclidean {
            let problem = NMFProblem(v: magnitudes, h: basis, threads: threads)
            return try iterate(initialActivations: initialActivations, stopping: configuration.stopping, progress: nil, pass: problem.pass)
        }
        let pass = NMFReferencePass(v: magnitudes, h: basis, divergence: configuration.divergence, threads: threads)
        return try iterate(initialActivations: initialActivations, stopping: configuration.stopping, progress: nil, pass: pass.pass)
    }

    /// The iteration loop around a fused pass `pass(U) = (cost of U summed in frame order, each
    /// frame's cost, updated U)` over `[K × frames]` Double activations: `initialCost` is the cost
    /// of `U0`, `cost[i]` that of the iterate after i + 1 updates, which is the one returned.
    static func iterate(initialActivations: RealMatrix, stopping rule: StoppingRule, progress: ((IterationProgress) -> Void)?,
                        pass: ([Double]) -> (cost: Double, frameCosts: [Double], updated: [Double])) throws -> NMFResult {
        var u = initialActivations.values.map(Double.init)
        let (initialCost, _, first) = pass(u)
        var next = first
        var costs: [Double] = []
        var frameCosts: [Double] = []
        while true {
            let current = next
            let (cost, perFrame, following) = pass(current)
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
        let activations = RealMatrix(rows: initialActivations.rows, columns: initialActivations.columns, values: u.map(Float.init))
        return NMFResult(activations: activations, cost: costs, initialCost: initialCost, frameCosts: frameCosts)
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

    /// The cost of `u` `[K × frames]` (Double) per frame and the multiplicatively updated
    /// activations, in one pass over the frames.
    func pass(_ u: [Double]) -> (cost: Double, frameCosts: [Double], updated: [Double]) {
        var updated = [Double](repeating: 0, count: u.count)
        var frameCosts = [Double](repeating: 0, count: frames)
        let chunk = (frames + threads - 1) / threads
        let (bins, components, frames) = (bins, components, frames)
        let uStorage = UncheckedSendable(value: u)
        uStorage.value.withUnsafeBufferPointer { uBuffer in
            guard let uPointer = uBuffer.baseAddress else { return }
            updated.withUnsafeMutableBufferPointer { out in
                frameCosts.withUnsafeMutableBufferPointer { costs in
                    runWorkers(threads) { worker in
                        let lower = worker * chunk, upper = min(frames, (worker + 1) * chunk)
                        let group = Self.frameGroup
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: group * (3 * bins + 2 * components))
                        defer { scratch.deallocate() }
                        var t = lower
                        while t < upper {
                            let count = min(group, upper - t)
                            divergenceFrames(first: t, count: count, u: uPointer, out: out.baseAddress!, costs: costs.baseAddress!, scratch: scratch)
                            t += count
                        }
                    }
                }
            }
        }
        // Frame costs summed in frame order: independent of the thread split.
        return (frameCosts.reduce(0, +), frameCosts, updated)
    }
}

/// The Euclidean reference: the precomputed quantities of one Euclidean NMF problem and its
/// fused pass, all in Double (what `NMF` ran before `BetaNMFKernel` took Euclidean over):
///
///     U ← U ⊙ (HᵀV) / (HᵀH U + ε),   cost ½ max(0, ‖v‖² − 2 uᵀHᵀv + uᵀHᵀH u) per frame
struct NMFProblem {
    let bins: Int, components: Int, frames: Int
    let threads: Int
    /// `H` row-major `[bins][components]` in Double (a bin's components contiguous).
    let hRows: [Double]
    /// `V` column-major `[bins × frames]` in Double.
    let v: [Double]
    /// `HᵀV` `[K × frames]`, `HᵀH` `[K × K]`, `‖V‖²` per frame.
    let htv: [Double], hth: [Double], vNorms: [Double]

    init(v: RealMatrix, h: RealMatrix, threads: Int) {
        bins = v.rows; components = h.columns; frames = v.columns
        self.threads = max(1, min(threads, frames))
        var rows = [Double](repeating: 0, count: bins * components)
        for k in 0..<components { for f in 0..<bins { rows[f * components + k] = Double(h[f, k]) } }
        hRows = rows
        self.v = v.values.map(Double.init)
        do {
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
        }
    }

    /// The cost `½‖v − Hu‖²` of `u` `[K × frames]` per frame and the multiplicatively updated
    /// activations, in one pass over the frames.
    func pass(_ u: [Double]) -> (cost: Double, frameCosts: [Double], updated: [Double]) {
        let eps = NumericalGuards.epsilon
        var updated = [Double](repeating: 0, count: u.count)
        var frameCosts = [Double](repeating: 0, count: frames)
        let chunk = (frames + threads - 1) / threads
        let (components, frames) = (components, frames)
        updated.withUnsafeMutableBufferPointer { out in
            frameCosts.withUnsafeMutableBufferPointer { costs in
                runWorkers(threads) { worker in
                    for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                        let ut = t * components
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
        // Frame costs summed in frame order: independent of the thread split.
        return (frameCosts.reduce(0, +), frameCosts, updated)
    }
}
