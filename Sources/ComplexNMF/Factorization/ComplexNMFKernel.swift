import CComplexNMFKernel
import Foundation

/// The fast Complex NMF engine: the update of `ComplexNMF`, one frame at a time, in the C target
/// `CComplexNMFKernel` (AVX-512 chosen at run time where the CPU has it, portable C otherwise).
///
/// With H fixed, frames are independent. For frame t, with `S_f = Σ_k H[f,k] U_k`,
/// `F_f = Σ_k H[f,k] U_k P_kf` and `R_f = Y_f − F_f`, one iteration is
///
///     z_kf = S_f P_kf + R_f,        P_kf ← z_kf / |z_kf|          (unchanged where |z_kf| = 0)
///     U_k  ← max(floor, U_k · Σ_f H[f,k] |z_kf| / ((HᵀH U)_k + λ p U_k^(p−1)))   (floor if the denominator is 0)
///     cost = Σ_f |R_f|² + 2λ Σ_k U_k^p                              (of the iterate R came from)
///
/// and it is done in one sweep over the bins: the residual of the current iterate, then the
/// update, so the cost of iterate i comes with the update to iterate i + 1 and one residual-only
/// sweep at the end gives the last cost and the model. The per-(k, f) work is float32 in 16-lane
/// vectors. Below 192 components the lanes run over 16 bins (no shuffles inside the loops);
/// Σ_f H|z| is summed per lane in float (F/16 terms) and across lanes in Double, and HᵀH U is
/// Double. From 192 components on (where two tiles of all components outgrow L1 and HᵀH,
/// 8·K² bytes streamed every iteration, costs a tenth of the sweep or more) the lanes
/// run over 16 components, each bin ends in one horizontal sum, and HᵀH U = Σ_f H[f,:] S_f is
/// summed in the sweep; Σ_f H|z| and Σ_f H S are float over runs of 16 bins and Double across
/// runs. U^(p−1), the update of U and the costs are Double. Each bin's S and R are scaled by a power of two before |z|² is formed, so tiny or
/// huge spectrograms neither underflow nor overflow. A frame's arithmetic never depends on other
/// frames, on the thread that runs it or on how frames are split, so results are bit-identical
/// for any thread count and block split; per-iteration costs are summed over frames in frame order.
///
/// Two drivers: `runFrameMajor` (all iterations of a frame back to back while its phases,
/// ≈ 8·K·F bytes, stay in the core's L2 cache: the fixed-iteration path) and
/// `runUntilStopped` (a stopping rule, which must see the summed cost after each iteration:
/// frame-major blocks of growing length, run again to the stop when it falls inside one). Both
/// run the same per-frame arithmetic and agree bit for bit: the sweep of an odd iterate runs
/// over the bins backwards (so it starts where the last one ended, in cache), and the sums
/// follow it, so each call is told how many updates its iterate has had.
///
/// Speed (K = 88, F = 1025, AVX-512, one core): ≈ 2.5 G element updates/s; see `make bench`.
/// Memory: the plan ≈ 4·K·F + 8·K² bytes (8·K·F + 8·K² from 192 components on), each worker
/// ≈ 8·K·F bytes of scratch.
final class ComplexNMFKernel: @unchecked Sendable {
    /// Instruction sets of the per-(k, f) loops.
    enum InstructionSet: Sendable {
        /// The fastest the CPU supports.
        case automatic
        /// Plain C with exact square root and division, any CPU.
        case portable
        /// The plain-C loops compiled for AVX2 + FMA (what `.automatic` takes on CPUs with those
        /// but without AVX-512); falls back to portable without them.
        case avx2
        /// AVX-512 F/DQ/VL/BW (rsqrt14 + one Newton step), in the layout that suits K: vectors
        /// over 16 bins below 192 components, over 16 components from 192 on. Falls back to
        /// portable without AVX-512.
        case avx512
        /// AVX-512 with vectors over 16 bins, whatever K.
        case avx512Tiles
        /// AVX-512 with vectors over 16 components, whatever K.
        case avx512ComponentMajor

        /// The C kernel's name for it.
        var isa: cnmf_isa {
            switch self {
            case .automatic: CNMF_ISA_AUTOMATIC
            case .portable: CNMF_ISA_PORTABLE
            case .avx2: CNMF_ISA_AVX2
            case .avx512: CNMF_ISA_AVX512
            case .avx512Tiles: CNMF_ISA_AVX512_TILES
            case .avx512ComponentMajor: CNMF_ISA_AVX512_COMPONENT_MAJOR
            }
        }
    }

    let bins: Int
    let components: Int
    let lambda: Double
    let sparsity: Double
    let plan: OpaquePointer

    /// A kernel for `basis` `[bins × K]` (copied; the caller's matrix is never modified).
    init(basis: RealMatrix, lambda: Double, sparsity: Double, instructionSet: InstructionSet = .automatic) {
        bins = basis.rows
        components = basis.columns
        self.lambda = lambda
        self.sparsity = sparsity
        let plan = basis.values.withUnsafeBufferPointer {
            cnmf_plan_create(Int32(basis.rows), Int32(basis.columns), $0.baseAddress, lambda, sparsity, NumericalGuards.activationFloor,
                             instructionSet.isa)
        }
        guard let plan else { fatalError("ComplexNMFKernel: out of memory for a \(basis.rows) × \(basis.columns) basis") }
        self.plan = plan
    }

    deinit { cnmf_plan_destroy(plan) }

    /// The loops this plan uses on this CPU: `.portable`, `.avx2`, `.avx512Tiles` or
    /// `.avx512ComponentMajor`.
    var instructionSet: InstructionSet {
        switch cnmf_plan_isa(plan) {
        case CNMF_ISA_AVX2: .avx2
        case CNMF_ISA_AVX512_TILES: .avx512Tiles
        case CNMF_ISA_AVX512_COMPONENT_MAJOR: .avx512ComponentMajor
        default: .portable
        }
    }

    /// HᵀH `[K × K]` as the plan holds it (Double, each entry summed over the bins in order),
    /// row-major.
    var gram: [Double] {
        var values = [Double](repeating: 0, count: components * components)
        values.withUnsafeMutableBufferPointer { cnmf_plan_copy_gram(plan, $0.baseAddress) }
        return values
    }

    /// One worker's scratch (≈ 8·K·F bytes).
    final class Workspace {
        let pointer: OpaquePointer
        /// `sharedPhaseFrames` × K doubles: the `Hᵀ|Y|` of a run of frames in the shared-phase
        /// shortcut, then their `‖Y‖²`.
        let statistics: UnsafeMutableBufferPointer<Double>
        fileprivate init(plan: OpaquePointer, components: Int) {
            guard let pointer = cnmf_workspace_create(plan) else { fatalError("ComplexNMFKernel: out of memory for a workspace") }
            self.pointer = pointer
            statistics = .allocate(capacity: ComplexNMFKernel.sharedPhaseFrames * (max(1, components) + 1))
            statistics.initialize(repeating: 0)
        }
        deinit {
            cnmf_workspace_destroy(pointer)
            statistics.deallocate()
        }
    }

    func makeWorkspace() -> Workspace { Workspace(plan: plan, components: components) }

    /// Runs `iterations` updates of one frame in place (see `cnmf_frame_run`): `spectrum` 2F floats,
    /// `activations` K floats (> 0), `phases` 2KF floats (not read with `mixtureStart`, which
    /// starts from `writeMixturePhases`); `costs` receives `iterations + 1` values (the objective
    /// of iterates 0…iterations); with `model`, the final activations at the floor are set to 0
    /// and the model F (2F floats) is computed from them. `firstIteration` is the number of
    /// updates the incoming iterate has had (0 for a fresh start): the sweeps of odd iterates
    /// run over the bins backwards, so a run split into calls matches one call only if it counts on.
    /// (Pointers may be nil only for empty arrays: no bins or no components.)
    func run(spectrum: UnsafePointer<Float>?, activations: UnsafeMutablePointer<Float>?, phases: UnsafeMutablePointer<Float>?,
             mixtureStart: Bool = false, firstIteration: Int, iterations: Int, costs: UnsafeMutablePointer<Double>,
             model: UnsafeMutablePointer<Float>?, workspace: Workspace) {
        cnmf_frame_run(plan, workspace.pointer, spectrum, activations, phases, mixtureStart ? 1 : 0, Int32(firstIteration),
                       Int32(iterations), costs, model)
    }
}

// MARK: - Drivers over frames

extension ComplexNMFKernel {
    /// What a run over all frames returns; phases and activations are updated in place.
    struct Run {
        /// Objective of the initial iterate, summed over frames in frame order.
        var initialCost: Double
        /// `cost[i]`: objective after iteration i + 1, summed over frames in frame order.
        var cost: [Double]
        /// `Σ_k H U P` of the final iterate, computed from the reported activations.
        var reconstruction: ComplexMatrix
        /// Each frame's objective after each iteration, `[iterations × frames]` (iteration-major):
        /// `cost[i]` is the sum of row i in frame order.
        var frameCosts: [Double]
    }

    /// Where a frame-major run takes each frame's initial phases from.
    enum PhaseStart {
        /// The phases array holds them.
        case given
        /// The mixture phase `Y/|Y|` (`writeMixturePhases`); the array is only written, so it
        /// may be uninitialised.
        case mixture
        /// `prepare(t, phases)` writes frame t's 2KF phases just before the frame runs.
        case prepared((Int, UnsafeMutableBufferPointer<Float>) -> Void)
    }

    /// Frame-major: each frame runs all `iterations` back to back; `threads` workers take frames
    /// from a shared counter. Memory beyond the caller's arrays: `(iterations + 1) · T` doubles,
    /// the model `8 · F · T` bytes and one workspace per thread.
    /// - firstIteration: updates the iterate has had (0 for a fresh start; see `run`).
    /// - withModel: compute the model of the final iterate (and set the activations at the floor
    ///   to 0, so only for the end of a run); without it `reconstruction` is all zero.
    func runFrameMajor(spectrogram: ComplexMatrix, activations: UnsafeMutableBufferPointer<Float>, phases: UnsafeMutableBufferPointer<Float>,
                       start: PhaseStart, firstIteration: Int = 0, iterations: Int, withModel: Bool = true, threads: Int) -> Run {
        let perFrame = 2 * components * bins
        return eachFrameOnce(spectrogram: spectrogram, iterations: iterations, threads: threads) { workspace, t, spectrum, costs, model in
            let frame = UnsafeMutableBufferPointer(rebasing: phases[(t * perFrame)..<((t + 1) * perFrame)])
            var mixtureStart = false
            switch start {
            case .given: break
            case .mixture: mixtureStart = true
            case let .prepared(prepare): prepare(t, frame)
            }
            run(spectrum: spectrum, activations: activations.baseAddress.map { $0 + components * t }, phases: frame.baseAddress,
                mixtureStart: mixtureStart, firstIteration: firstIteration, iterations: iterations, costs: costs,
                model: withModel ? model : nil, workspace: workspace)
        }
    }

    /// The frame-major driver: `threads` workers take frames from a shared counter and call
    /// `body(workspace, t, spectrum of t, costs of t (iterations + 1 doubles), model of t)`;
    /// then the per-frame costs are summed over frames in frame order.
    func eachFrameOnce(spectrogram: ComplexMatrix, iterations: Int, threads: Int,
                       _ body: (Workspace, Int, UnsafePointer<Float>?, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Float>?) -> Void) -> Run {
        eachFrameRange(spectrogram: spectrogram, iterations: iterations, threads: threads, framesPerRange: 1) { workspace, range, spectrum, costs, model in
            body(workspace, range.lowerBound, spectrum, costs, model)
        }
    }

    /// `eachFrameOnce` with runs of up to `framesPerRange` consecutive frames per call:
    /// `body(workspace, frames, spectrum of the first, costs of the first (then every
    /// iterations + 1 doubles), model of the first)`; each frame's spectrum and model are 2F
    /// floats after the previous one's.
    func eachFrameRange(spectrogram: ComplexMatrix, iterations: Int, threads: Int, framesPerRange: Int,
                        _ body: (Workspace, Range<Int>, UnsafePointer<Float>?, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Float>?) -> Void) -> Run {
        let frames = spectrogram.columns, stride = iterations + 1
        var frameCosts = [Double](repeating: 0, count: stride * frames)
        var reconstruction = ComplexMatrix(rows: bins, columns: frames)
        let queue = FrameQueue(frames: frames)
        spectrogram.values.withUnsafeBufferPointer { y in
            frameCosts.withUnsafeMutableBufferPointer { costs in
                reconstruction.values.withUnsafeMutableBufferPointer { model in
                    runWorkers(threads) { _ in
                        let workspace = makeWorkspace()
                        while let range = queue.next(upTo: framesPerRange) {
                            let t = range.lowerBound
                            body(workspace, range, y.baseAddress.map { UnsafePointer($0 + 2 * bins * t) }, costs.baseAddress! + stride * t,
                                 model.baseAddress.map { $0 + 2 * bins * t })
                        }
                    }
                }
            }
        }
        var totals = [Double](repeating: 0, count: stride)
        for t in 0..<frames { for i in 0..<stride { totals[i] += frameCosts[stride * t + i] } }
        var perIteration = [Double](repeating: 0, count: iterations * frames)
        for t in 0..<frames { for i in 0..<iterations { perIteration[i * frames + t] = frameCosts[stride * t + i + 1] } }
        return Run(initialCost: totals[0], cost: Array(totals[1...]), reconstruction: reconstruction, frameCosts: perIteration)
    }

    /// With a stopping rule: `shouldContinue(costs)` is asked after every iteration, in order
    /// (`costs[i]` = summed cost after iteration i + 1), as if every iteration visited all frames
    /// before the next; but the frames run frame-major, `b` iterations at a time (b = 1, 2, 4, …
    /// up to `maximumIterations` in all), so that each frame's phases stay in cache for b
    /// iterations instead of streaming from memory every iteration. When the rule stops inside a
    /// block the frames have gone past the stop: they start again (the activations saved at the
    /// start, the phases from `start`) and run frame-major to the stopping iteration. Results are
    /// those of `runFrameMajor` with that many iterations, bit for bit. Compute: at most ≈ 3× the
    /// iterations run (blocks up to 2× past the stop, then the re-run), usually far less than
    /// the memory traffic of one pass per iteration. `start` must not be `.given` (the phases
    /// array is overwritten by the blocks). Throws what `shouldContinue` throws, leaving the
    /// arrays mid-run.
    func runUntilStopped(spectrogram: ComplexMatrix, activations: UnsafeMutableBufferPointer<Float>, phases: UnsafeMutableBufferPointer<Float>,
                         start: PhaseStart, maximumIterations: Int, threads: Int, shouldContinue: ([Double]) throws -> Bool) rethrows -> Run {
        if case .given = start { preconditionFailure("runUntilStopped needs a start it can repeat") }
        let frames = spectrogram.columns
        let initialActivations = Array(activations)
        var costs: [Double] = [], frameCosts: [Double] = [], initialCost = 0.0
        var done = 0, block = 1, stop: Int?
        while stop == nil {
            let iterations = max(1, min(block, maximumIterations - done))
            let run = runFrameMajor(spectrogram: spectrogram, activations: activations, phases: phases, start: done == 0 ? start : .given,
                                    firstIteration: done, iterations: iterations, withModel: false, threads: threads)
            if done == 0 { initialCost = run.initialCost }
            for i in 0..<iterations where stop == nil {
                costs.append(run.cost[i])
                frameCosts.append(contentsOf: run.frameCosts[(i * frames)..<((i + 1) * frames)])
                if try !shouldContinue(costs) { stop = costs.count }
            }
            done += iterations
            block *= 2
        }
        let iterations = stop!
        if iterations < done {
            // Past the stop: the same frames again, from the start, to exactly there.
            _ = activations.update(fromContentsOf: initialActivations)
            return runFrameMajor(spectrogram: spectrogram, activations: activations, phases: phases, start: start,
                                 iterations: iterations, threads: threads)
        }
        // Stopped at the end of a block: the model of the iterate reached (and the activations
        // at the floor set to 0), from a residual-only sweep.
        let final = runFrameMajor(spectrogram: spectrogram, activations: activations, phases: phases, start: .given,
                                  firstIteration: done, iterations: 0, threads: threads)
        return Run(initialCost: initialCost, cost: costs, reconstruction: final.reconstruction, frameCosts: frameCosts)
    }

    /// Writes the mixture phase `Y/|Y|` (1 where `|Y| = 0`) of one frame's spectrum (2F floats)
    /// into every component of `phases` (2KF floats), exactly as `PhaseTensor(mixturePhasesOf:components:)`.
    static func writeMixturePhases(spectrum: UnsafePointer<Float>?, bins: Int, components: Int, into phases: UnsafeMutableBufferPointer<Float>) {
        precondition(phases.count == 2 * bins * components)
        cnmf_mixture_phases(Int32(bins), Int32(components), spectrum, phases.baseAddress)
    }

    /// Hints that a large, fresh buffer be backed by huge pages (Linux; otherwise nothing), so
    /// that its first touch takes far fewer page faults.
    static func adviseHugePages(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let base = buffer.baseAddress else { return }
        cnmf_advise_huge_pages(base, buffer.count * MemoryLayout<Float>.stride)
    }
}

/// Hands out frame indices 0, 1, … to workers, each once (shared by the Complex NMF drivers).
final class FrameQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextFrame = 0
    private let frames: Int

    init(frames: Int) { self.frames = frames }

    func next() -> Int? { next(upTo: 1)?.lowerBound }

    /// The next run of at most `count` (≥ 1) consecutive frames.
    func next(upTo count: Int) -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard nextFrame < frames else { return nil }
        let first = nextFrame
        nextFrame = min(frames, first + count)
        return first..<nextFrame
    }
}
