import CComplexNMFKernel

/// The mixture-phase start's exact shortcut (`cnmf_shared_phase_*`): when every component of a
/// frame starts at the mixture phase `Y/|Y|` (the default start: no initial phases, no jitter),
/// `z_kf = S_f P_kf + R_f = Y_f` for every k, the phases never move and `|z_kf| = |Y_f|`, so the
/// update is sparse Euclidean NMF of `|Y|` with `N = Hᵀ|Y|` computed once per frame, and the
/// phases are kept once per bin and frame (`PhaseTensor`'s shared layout, K times smaller):
///
///     U_k ← max(floor, U_k · N_k / ((HᵀH U)_k + λ p U_k^(p−1)))
///     cost = ‖Y‖² − 2 Uᵀ N + Uᵀ HᵀH U + 2λ Σ U^p
///
/// Work: K·F per frame once, then K² per iteration (against ≈ K·F element updates per iteration
/// for the general sweep, ≈ 60× less for K = 88, F = 1025), with `sharedPhaseFrames` frames side
/// by side so that HᵀH is read once per iteration for all of them. Same results as the general kernel
/// from the mixture start up to float rounding (pinned down by the tests), bit-identical for any
/// thread count and frame split, since every frame is computed on its own.
extension ComplexNMFKernel {
    /// Frame-major: every frame runs all `iterations` back to back; `phases` (`2·F·T` floats, may
    /// be uninitialised) receives the mixture phase of every bin and frame, the phase of every
    /// component (`PhaseTensor`'s shared layout). Returns what `runFrameMajor` returns.
    func runSharedPhaseFrameMajor(spectrogram: ComplexMatrix, activations: UnsafeMutableBufferPointer<Float>,
                                  phases: UnsafeMutableBufferPointer<Float>, iterations: Int, threads: Int) -> Run {
        let frames = Self.sharedPhaseFrames
        return eachFrameRange(spectrogram: spectrogram, iterations: iterations, threads: threads, framesPerRange: frames) { workspace, range, spectrum, costs, model in
            let first = range.lowerBound, count = range.count
            let numerators = workspace.statistics.baseAddress!, energies = numerators + frames * components
            for j in 0..<count {
                energies[j] = cnmf_shared_phase_statistics(plan, workspace.pointer, spectrum.map { $0 + 2 * bins * j }, numerators + components * j)
            }
            cnmf_shared_phase_run_frames(plan, workspace.pointer, Int32(count), numerators, energies,
                                         activations.baseAddress.map { $0 + components * first }, Int32(iterations), costs, iterations + 1)
            for j in 0..<count {
                let t = first + j
                cnmf_shared_phase_finish(plan, spectrum.map { $0 + 2 * bins * j }, activations.baseAddress.map { $0 + components * t },
                                         model.map { $0 + 2 * bins * j }, phases.baseAddress.map { $0 + 2 * bins * t })
            }
        }
    }

    /// Frames the shortcut runs side by side (`cnmf_shared_phase_run_frames`), so that HᵀH is
    /// read once per iteration for all of them.
    static let sharedPhaseFrames = Int(cnmf_shared_phase_frames())

    /// Global iteration order (every frame once per iteration, so that `shouldContinue(costs)`
    /// sees the summed cost); the per-frame statistics, `(K + 1) · T` doubles, are kept between
    /// iterations. Same results as `runSharedPhaseFrameMajor` for the same number of iterations;
    /// `phases` (`2·F·T` floats) receives the shared mixture phases at the end. Throws what `shouldContinue` throws.
    func runSharedPhaseInIterationOrder(spectrogram: ComplexMatrix, activations: UnsafeMutableBufferPointer<Float>,
                                        phases: UnsafeMutableBufferPointer<Float>, threads: Int,
                                        shouldContinue: ([Double]) throws -> Bool) rethrows -> Run {
        let frames = spectrogram.columns
        let workspaces = (0..<threads).map { _ in makeWorkspace() }
        var numerators = [Double](repeating: 0, count: max(1, components * frames))
        var energies = [Double](repeating: 0, count: frames)
        var frameCosts = [Double](repeating: 0, count: 2 * frames)
        var reconstruction = ComplexMatrix(rows: bins, columns: frames)
        /// Calls `body(worker, run)` for runs of at most `count` consecutive frames, every frame
        /// once, on `threads` workers.
        func forEachRun(upTo count: Int, _ body: (Int, Range<Int>) -> Void) {
            let queue = FrameQueue(frames: frames)
            runWorkers(threads) { worker in
                while let run = queue.next(upTo: count) { body(worker, run) }
            }
        }
        /// Calls `body(worker, t)` for every frame on `threads` workers.
        func forEachFrame(_ body: (Int, Int) -> Void) { forEachRun(upTo: 1) { body($0, $1.lowerBound) } }
        spectrogram.values.withUnsafeBufferPointer { y in
            numerators.withUnsafeMutableBufferPointer { n in
                energies.withUnsafeMutableBufferPointer { e in
                    forEachFrame { worker, t in
                        e[t] = cnmf_shared_phase_statistics(plan, workspaces[worker].pointer, y.baseAddress.map { $0 + 2 * bins * t },
                                                            n.baseAddress.map { $0 + components * t })
                    }
                }
            }
        }
        /// One call per run of frames with `iterations` (0 or 1); returns the summed cost of the last iterate.
        func pass(iterations: Int) -> Double {
            numerators.withUnsafeBufferPointer { n in
                energies.withUnsafeBufferPointer { e in
                    frameCosts.withUnsafeMutableBufferPointer { costs in
                        forEachRun(upTo: Self.sharedPhaseFrames) { worker, run in
                            let t = run.lowerBound
                            cnmf_shared_phase_run_frames(plan, workspaces[worker].pointer, Int32(run.count), n.baseAddress.map { $0 + components * t },
                                                         e.baseAddress.map { $0 + t }, activations.baseAddress.map { $0 + components * t },
                                                         Int32(iterations), costs.baseAddress! + 2 * t, 2)
                        }
                    }
                }
            }
            var total = 0.0
            for t in 0..<frames { total += frameCosts[2 * t + iterations] }
            return total
        }
        let initialCost = pass(iterations: 0)
        var costs: [Double] = []
        var perIteration: [Double] = []
        repeat {
            costs.append(pass(iterations: 1))
            for t in 0..<frames { perIteration.append(frameCosts[2 * t + 1]) }
        } while try shouldContinue(costs)
        spectrogram.values.withUnsafeBufferPointer { y in
            reconstruction.values.withUnsafeMutableBufferPointer { model in
                forEachFrame { _, t in
                    cnmf_shared_phase_finish(plan, y.baseAddress.map { $0 + 2 * bins * t }, activations.baseAddress.map { $0 + components * t },
                                             model.baseAddress.map { $0 + 2 * bins * t }, phases.baseAddress.map { $0 + 2 * bins * t })
                }
            }
        }
        return Run(initialCost: initialCost, cost: costs, reconstruction: reconstruction, frameCosts: perIteration)
    }
}
