import CBetaNMFKernel
import Foundation

/// The engine of `NMF` for every divergence (Euclidean β = 2, KL β = 1, β = ½, Itakura–Saito
/// β = 0): fixed-basis multiplicative updates of the activations in the C target
/// `CBetaNMFKernel` (AVX-512 chosen at run time where the CPU has it, portable C otherwise).
///
/// With H `[bins × K]` fixed, frames are independent. Per frame (v `[bins]`, u `[K]`), with the
/// model `Λ = ε + H u`, one iteration is
///
///     u_k ← u_k · Σ_f H[f,k] v_f Λ_f^(β−2) / (Σ_f H[f,k] Λ_f^(β−1) + ε)
///
/// (K·F multiply-adds for Λ, 2·K·F for the two sums; KL's denominator Σ_f H[f,k] is fixed), and
/// the cost of an iterate is Σ_f d_β(v_f | Λ_f) as `Divergence` defines it. The kernel runs a
/// group of `group` frames at a time, all iterations inside one call, so that every load of H
/// feeds several frames; the arithmetic of a frame never depends on the other frames, its
/// position, the group size or the thread, so results are bit-identical for any thread count
/// and block split. Λ, the weights and the sums over bins are Float (fixed order); activations
/// between iterations, the updates and the costs are Double.
///
/// Euclidean is different: with `b = Hᵀv`, `n = ‖v‖²` (once per frame, K·F multiply-adds; Double
/// sums, of Float sums over 16 bins for `b` with AVX-512) and `G = HᵀH` (Double at plan time,
/// stored as Float), one iteration is
///
///     u ← u ⊙ b / (G u + ε),   cost ½ max(0, n − 2 uᵀb + uᵀ G u)
///
/// with `G u` in Float (K² multiply-adds, no pass over the bins; blocks of 32 frames, side by side
/// in the vector lanes, run all their iterations with G in L1), the update (and so the iterate) in
/// Float and the cost in Double (b in Double there). Float `G u` puts a relative error
/// of ≈ 1e-7 into each update and ≈ 1e-7 · uᵀGu into the cost, which is ½‖v − Hu‖² minus
/// nothing larger than that, so the cost's relative error grows like ‖v‖² / ‖v − Hu‖² (≈ 1e-6 at
/// a 10 % residual).
///
/// Two drivers: `runFrameMajor` (groups run all their iterations back to back: the path of a
/// fixed number of iterations) and `runInIterationOrder` (every frame once per iteration, so
/// that a stopping rule can look at the total cost). Both agree bit for bit.
///
/// Speed (K = 88, F = 1025, T = 2000, 100 iterations, β = ½, AVX-512, one core): ≈ 30–60 G
/// multiply-adds/s (0.9–1.8 s, with the host's swings; the former Swift pass ≈ 4 G/s, 13 s).
/// Euclidean, same sizes, one core: ≈ 30 ms in C (≈ 18 ms for the 100 × K² G u, at this core's
/// peak FMA rate; ≈ 4.5 ms for the updates and costs, 8 ms while they were Double; ≈ 5 ms for
/// HᵀV; the former Double Swift pass 1.7–2.7 s; scikit-learn's `solver='mu'` ≈ 62–100 ms on
/// this machine). Memory: the plan ≈ 8·K·F
/// bytes (Euclidean ≈ 12·K·F), each worker ≈ group · (12·F + 20·K) bytes (Euclidean: ≈ 36·K per
/// frame of the group rounded up to 32).
final class BetaNMFKernel: @unchecked Sendable {
    /// Instruction sets of the per-(k, f) loops.
    enum InstructionSet: Sendable {
        /// The fastest the CPU supports.
        case automatic
        /// Plain C with exact square root, division and log, any CPU.
        case portable
        /// The plain-C loops compiled for AVX2 + FMA (what `.automatic` takes on CPUs with those
        /// but without AVX-512); falls back to portable without them.
        case avx2
        /// AVX-512 F/DQ/VL/BW (rsqrt14/rcp14 + one Newton step); falls back to portable without it.
        case avx512
    }

    /// Frames per group unless told otherwise (β-divergences: every load of H feeds 8 frames).
    static let defaultGroup = 8
    /// Frames per group unless told otherwise for β-divergences when H (4·K·F bytes) is more than
    /// `largeBasisBytes`: each iteration of a group reads H twice, and a basis that no longer
    /// stays in this core's L2 next to the group's data is read from L3, so more frames share
    /// each read (K = 256 and 352 at F = 1025: 1.1–1.2× faster than groups of 8; K = 88–176:
    /// no measurable change either way).
    static let largeBasisGroup = 32
    /// The size of H above which `largeBasisGroup` applies (1 MiB: half of this core's L2).
    static let largeBasisBytes = 1 << 20

    /// The group `init` takes when none is given.
    static func defaultGroup(divergence: Divergence, bins: Int, components: Int) -> Int {
        if divergence == .euclidean { return defaultEuclideanGroup }
        return 4 * bins * components > largeBasisBytes ? largeBasisGroup : defaultGroup
    }
    /// Frames per group unless told otherwise for `.euclidean` (its Hᵀv pass streams H once per
    /// group; iterations need only G; one block of 32 frames).
    static let defaultEuclideanGroup = 32

    /// Rows of the basis (frequency bins).
    let bins: Int
    /// Columns of the basis (components K).
    let components: Int
    /// The divergence.
    let divergence: Divergence
    /// Frames per group (a multiple of 8, at most 64).
    let group: Int
    private let plan: OpaquePointer

    /// A kernel for `basis` `[bins × K]` (copied; the caller's matrix is never modified) and a
    /// divergence; `group` frames share the loads of H (rounded up to a multiple of 8, ≤ 64; nil:
    /// `defaultGroup(divergence:bins:components:)`). The results do not depend on the group.
    /// For `.euclidean` making it costs ≈ K²·F/2 multiply-adds (G = HᵀH).
    init(basis: RealMatrix, divergence: Divergence, group: Int? = nil, instructionSet: InstructionSet = .automatic) {
        let group = group ?? Self.defaultGroup(divergence: divergence, bins: basis.rows, components: basis.columns)
        bins = basis.rows
        components = basis.columns
        self.divergence = divergence
        let isa: bnmf_isa = switch instructionSet {
        case .automatic: BNMF_ISA_AUTOMATIC
        case .portable: BNMF_ISA_PORTABLE
        case .avx2: BNMF_ISA_AVX2
        case .avx512: BNMF_ISA_AVX512
        }
        let plan = basis.values.withUnsafeBufferPointer {
            bnmf_plan_create(Int32(basis.rows), Int32(basis.columns), $0.baseAddress, divergence.beta, NumericalGuards.epsilon, Int32(group), isa)
        }
        guard let plan else { fatalError("BetaNMFKernel: out of memory for a \(basis.rows) × \(basis.columns) basis") }
        self.plan = plan
        self.group = Int(bnmf_plan_group(plan))
    }

    deinit { bnmf_plan_destroy(plan) }

    /// The instruction set the loops use on this CPU.
    var instructionSet: InstructionSet {
        switch bnmf_plan_isa(plan) {
        case BNMF_ISA_AVX512: .avx512
        case BNMF_ISA_AVX2: .avx2
        default: .portable
        }
    }

    /// One worker's scratch (≈ group · (12·F + 20·K) bytes; Euclidean ≈ group · 36·K).
    final class Workspace {
        fileprivate let pointer: OpaquePointer
        fileprivate init(plan: OpaquePointer) {
            guard let pointer = bnmf_workspace_create(plan) else { fatalError("BetaNMFKernel: out of memory for a workspace") }
            self.pointer = pointer
        }
        deinit { bnmf_workspace_destroy(pointer) }
    }

    /// Scratch for one worker.
    func makeWorkspace() -> Workspace { Workspace(plan: plan) }

    /// Runs `iterations` updates of `frames` frames (see `bnmf_run`): `magnitudes` `[frames][bins]`
    /// floats, `activationsIn` / `activationsOut` `[frames][K]` doubles (may be equal);
    /// `costs[i · costStride + t]` receives the cost of frame t after i updates for
    /// i = 0 … iterations (without `finalCost`, i < iterations).
    /// (Pointers may be nil only for empty arrays: no bins, no components or no frames.)
    func run(frames: Int, magnitudes: UnsafePointer<Float>?, activationsIn: UnsafePointer<Double>?,
             activationsOut: UnsafeMutablePointer<Double>?, iterations: Int, finalCost: Bool,
             costs: UnsafeMutablePointer<Double>?, costStride: Int, workspace: Workspace) {
        bnmf_run(plan, workspace.pointer, Int32(frames), magnitudes, activationsIn, activationsOut, Int32(iterations),
                 finalCost ? 1 : 0, costs, costStride)
    }

    /// `.euclidean` only (see `bnmf_euclid_project`): `projections` `[frames][K]` receives Hᵀv and
    /// `norms` `[frames]` ‖v‖² of `magnitudes` `[frames][bins]`, bit-identical to what `run`
    /// computes.
    func project(frames: Int, magnitudes: UnsafePointer<Float>?, projections: UnsafeMutablePointer<Double>?,
                 norms: UnsafeMutablePointer<Double>?, workspace: Workspace) {
        precondition(divergence == .euclidean, "projections are the Euclidean kernel's")
        bnmf_euclid_project(plan, workspace.pointer, Int32(frames), magnitudes, projections, norms)
    }

    /// `.euclidean` only (see `bnmf_euclid_run`): `run` from the frames' Hᵀv and ‖v‖² as
    /// `project` gives them; bit-identical to `run` on their magnitudes.
    func run(frames: Int, projections: UnsafePointer<Double>?, norms: UnsafePointer<Double>?, activationsIn: UnsafePointer<Double>?,
             activationsOut: UnsafeMutablePointer<Double>?, iterations: Int, finalCost: Bool,
             costs: UnsafeMutablePointer<Double>?, costStride: Int, workspace: Workspace) {
        precondition(divergence == .euclidean, "projections are the Euclidean kernel's")
        bnmf_euclid_run(plan, workspace.pointer, Int32(frames), projections, norms, activationsIn, activationsOut, Int32(iterations),
                        finalCost ? 1 : 0, costs, costStride)
    }
}

// MARK: - Drivers over frames

extension BetaNMFKernel {
    /// Frame-major: every group of frames runs all `iterations` back to back; `threads` workers
    /// take groups from a shared counter. `magnitudes` is `[bins × frames]`, `activations`
    /// `[K × frames]` Double (updated in place). Returns the per-frame costs
    /// `[(iterations + 1) × frames]`: row i is the cost of each frame after i updates.
    func runFrameMajor(magnitudes: RealMatrix, activations: inout [Double], iterations: Int, threads: Int) -> [Double] {
        let frames = magnitudes.columns, rows = iterations + 1
        precondition(magnitudes.rows == bins && activations.count == components * frames, "shapes")
        let queue = GroupQueue(frames: frames, group: group)
        let (bins, components) = (bins, components)
        // Every entry is written by the worker that runs its frame (with the final cost, rows
        // 0 … iterations of every frame): no zero fill, and the pages are first touched in parallel.
        return [Double](unsafeUninitializedCapacity: rows * frames) { costs, initialized in
            magnitudes.values.withUnsafeBufferPointer { v in
                activations.withUnsafeMutableBufferPointer { u in
                    runWorkers(threads) { _ in
                        let workspace = makeWorkspace()
                        while let range = queue.next() {
                            let t = range.lowerBound
                            run(frames: range.count, magnitudes: v.baseAddress.map { $0 + bins * t },
                                activationsIn: u.baseAddress.map { UnsafePointer($0 + components * t) },
                                activationsOut: u.baseAddress.map { $0 + components * t }, iterations: iterations, finalCost: true,
                                costs: costs.baseAddress.map { $0 + t }, costStride: frames, workspace: workspace)
                        }
                    }
                }
            }
            initialized = rows * frames
        }
    }

    /// Global iteration order, the semantics of `NMFReferencePass.iterate`: each pass over all frames gives
    /// the cost of the current iterate and the next one; `shouldContinue(cost, frameCosts)` sees
    /// the total cost (summed in frame order) and each frame's cost `[frames]` of the iterate
    /// after 1, 2, … updates and decides whether to run another pass. `activations` `[K × frames]`
    /// ends as the last iterate `shouldContinue` saw. Returns the cost of the initial iterate.
    /// Bit-identical to `runFrameMajor` for the same number of iterations.
    func runInIterationOrder(magnitudes: RealMatrix, activations: inout [Double], threads: Int,
                             shouldContinue: (Double, ArraySlice<Double>) throws -> Bool) rethrows -> Double {
        let frames = magnitudes.columns
        precondition(magnitudes.rows == bins && activations.count == components * frames, "shapes")
        let workspaces = (0..<threads).map { _ in makeWorkspace() }
        var frameCosts = [Double](repeating: 0, count: frames)
        var next = [Double](repeating: 0, count: activations.count)
        let (bins, components) = (bins, components)
        // Euclidean: Hᵀv `[frames][K]` and ‖v‖² `[frames]` once, so that each pass costs K² per frame.
        var projections: [Double] = [], norms: [Double] = []
        if divergence == .euclidean {
            projections = [Double](repeating: 0, count: components * frames)
            norms = [Double](repeating: 0, count: frames)
            let queue = GroupQueue(frames: frames, group: group)
            magnitudes.values.withUnsafeBufferPointer { v in
                projections.withUnsafeMutableBufferPointer { b in
                    norms.withUnsafeMutableBufferPointer { n in
                        runWorkers(threads) { worker in
                            while let range = queue.next() {
                                let t = range.lowerBound
                                project(frames: range.count, magnitudes: v.baseAddress.map { $0 + bins * t },
                                        projections: b.baseAddress.map { $0 + components * t }, norms: n.baseAddress.map { $0 + t },
                                        workspace: workspaces[worker])
                            }
                        }
                    }
                }
            }
        }
        /// Cost of `current` per frame into frameCosts, `current` updated once into `updated`.
        func pass(_ current: [Double], _ updated: inout [Double]) -> Double {
            let queue = GroupQueue(frames: frames, group: group)
            magnitudes.values.withUnsafeBufferPointer { v in
                projections.withUnsafeBufferPointer { b in
                    norms.withUnsafeBufferPointer { n in
                        current.withUnsafeBufferPointer { u in
                            updated.withUnsafeMutableBufferPointer { out in
                                frameCosts.withUnsafeMutableBufferPointer { costs in
                                    runWorkers(threads) { worker in
                                        while let range = queue.next() {
                                            let t = range.lowerBound
                                            let uIn = u.baseAddress.map { $0 + components * t }, uOut = out.baseAddress.map { $0 + components * t }
                                            let cost = costs.baseAddress.map { $0 + t }
                                            if divergence == .euclidean {
                                                run(frames: range.count, projections: b.baseAddress.map { $0 + components * t },
                                                    norms: n.baseAddress.map { $0 + t }, activationsIn: uIn, activationsOut: uOut,
                                                    iterations: 1, finalCost: false, costs: cost, costStride: frames,
                                                    workspace: workspaces[worker])
                                            } else {
                                                run(frames: range.count, magnitudes: v.baseAddress.map { $0 + bins * t },
                                                    activationsIn: uIn, activationsOut: uOut, iterations: 1, finalCost: false,
                                                    costs: cost, costStride: frames, workspace: workspaces[worker])
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return frameCosts.reduce(0, +)
        }
        let initialCost = pass(activations, &next)
        while true {
            // `next` holds the iterate after one more update; its pass gives its cost and the one after.
            var following = activations
            let cost = pass(next, &following)
            swap(&activations, &next)
            next = following
            if try !shouldContinue(cost, frameCosts[...]) { break }
        }
        return initialCost
    }

    /// `NMF.decompose` for this kernel's divergence: frame-major when `stopping` has only a
    /// maximum number of iterations (progress is then reported when all frames are done),
    /// iteration order otherwise. `magnitudes` `[bins × frames]`, `initialActivations` `[K × frames]`.
    func decompose(magnitudes: RealMatrix, initialActivations: RealMatrix, stopping rule: StoppingRule, threads: Int,
                   progress: ((IterationProgress) -> Void)?) throws -> NMFResult {
        let frames = magnitudes.columns
        var u = initialActivations.values.map(Double.init)
        var costs: [Double] = []
        var frameCosts: [Double] = []
        let initialCost: Double
        if rule.costThreshold == nil && rule.relativeTolerance == nil {
            let iterations = rule.maximumIterations
            var rows = runFrameMajor(magnitudes: magnitudes, activations: &u, iterations: iterations, threads: threads)
            let totals = Self.rowTotals(rows, rows: iterations + 1, columns: frames)
            initialCost = totals[0]
            for i in 1...iterations {
                guard totals[i].isFinite else {
                    throw ComplexNMFError.numericalFailure(reason: "NMF cost became \(totals[i]) at iteration \(i)")
                }
                progress?(IterationProgress(iteration: i, maximumIterations: iterations, cost: totals[i]))
            }
            costs = Array(totals[1...])
            rows.removeFirst(frames)  // the initial iterate's row, in place: no second 8·iterations·T-byte array
            frameCosts = rows
        } else {
            initialCost = try runInIterationOrder(magnitudes: magnitudes, activations: &u, threads: threads) { cost, perFrame in
                guard cost.isFinite else {
                    throw ComplexNMFError.numericalFailure(reason: "NMF cost became \(cost) at iteration \(costs.count + 1)")
                }
                costs.append(cost)
                frameCosts += perFrame
                progress?(IterationProgress(iteration: costs.count, maximumIterations: rule.maximumIterations, cost: cost))
                return !rule.shouldStop(costs: costs)
            }
        }
        let activations = RealMatrix(rows: components, columns: frames, values: u.map(Float.init))
        return NMFResult(activations: activations, cost: costs, initialCost: initialCost, frameCosts: frameCosts)
    }
}

extension BetaNMFKernel {
    /// Σ_t values[i · columns + t] for each row i of `values` `[rows × columns]`, each row summed
    /// in column order (as a pass of `runInIterationOrder` sums its frames' costs, so that both
    /// drivers report the same bits); four rows at a time, so that their chains of additions
    /// overlap instead of waiting on one another.
    static func rowTotals(_ values: [Double], rows: Int, columns: Int) -> [Double] {
        precondition(values.count == rows * columns, "shape")
        var totals = [Double](repeating: 0, count: rows)
        values.withUnsafeBufferPointer { v in
            totals.withUnsafeMutableBufferPointer { out in
                var i = 0
                while i + 4 <= rows {
                    var (a, b, c, d) = (0.0, 0.0, 0.0, 0.0)
                    for t in 0..<columns {
                        a += v[i * columns + t]
                        b += v[(i + 1) * columns + t]
                        c += v[(i + 2) * columns + t]
                        d += v[(i + 3) * columns + t]
                    }
                    (out[i], out[i + 1], out[i + 2], out[i + 3]) = (a, b, c, d)
                    i += 4
                }
                for row in i..<rows {
                    var a = 0.0
                    for t in 0..<columns { a += v[row * columns + t] }
                    out[row] = a
                }
            }
        }
        return totals
    }
}

/// Hands out consecutive ranges of at most `group` frames to workers, each frame once.
private final class GroupQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextFrame = 0
    private let frames: Int, group: Int

    init(frames: Int, group: Int) {
        self.frames = frames
        self.group = group
    }

    func next() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard nextFrame < frames else { return nil }
        let first = nextFrame
        nextFrame = min(frames, first + group)
        return first..<nextFrame
    }
}
