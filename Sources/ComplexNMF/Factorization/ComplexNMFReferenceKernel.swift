import Foundation

/// The reference implementation of Complex NMF: the update of `ComplexNMF` written plainly, every
/// quantity in Double, scalar, two passes per iteration over all frames (the engine before
/// `ComplexNMFKernel`, about 20× slower). Kept, unused by the library, as the yardstick of the
/// fast kernel in the tests.
///
/// `residualPass` computes, per bin, `S = Σ_k H U`, `R = Y − Σ_k H U P` and the objective;
/// `updatePass` then updates every phase and activation from `S` and `R`. Frames are split
/// over threads; per-frame arithmetic and the order of every sum are fixed.
struct ComplexNMFReferenceKernel {
    /// `H` row-major `[bins][components]` (a bin's components contiguous), Double.
    let hRows: [Double]
    /// `HᵀH` `[K × K]`, Double.
    let gram: [Double]
    let bins: Int, components: Int
    let lambda: Double, sparsity: Double

    /// Per-bin quantities of the current iterate, `[bins × frames]`.
    struct BinState {
        /// `S = Σ_k H U`.
        var modelMagnitude: [Double]
        /// `R = Y − F`, interleaved complex.
        var residual: [Double]
        /// Objective contribution of each frame.
        var frameCost: [Double]
        init(bins: Int, frames: Int) {
            modelMagnitude = [Double](repeating: 0, count: bins * frames)
            residual = [Double](repeating: 0, count: 2 * bins * frames)
            frameCost = [Double](repeating: 0, count: frames)
        }
    }

    init(basis: RealMatrix, lambda: Double, sparsity: Double) {
        bins = basis.rows
        components = basis.columns
        self.lambda = lambda
        self.sparsity = sparsity
        var rows = [Double](repeating: 0, count: bins * components)
        for k in 0..<components { for f in 0..<bins { rows[f * components + k] = Double(basis[f, k]) } }
        hRows = rows
        var g = [Double](repeating: 0, count: components * components)
        for f in 0..<bins {
            for a in 0..<components where rows[f * components + a] != 0 {
                for b in 0..<components { g[a * components + b] += rows[f * components + a] * rows[f * components + b] }
            }
        }
        gram = g
    }

    /// Fills `state` for the current `(U, P)` and returns the objective `Σ|R|² + 2λ Σ U^p`.
    func residualPass(spectrogram: ComplexMatrix, activations: RealMatrix, phases: PhaseTensor,
                      state: inout BinState, threads: Int) -> Double {
        let frames = spectrogram.columns
        let (bins, components, lambda, p) = (bins, components, lambda, sparsity)
        let chunk = (frames + threads - 1) / threads
        state.modelMagnitude.withUnsafeMutableBufferPointer { sOut in
            state.residual.withUnsafeMutableBufferPointer { rOut in
                state.frameCost.withUnsafeMutableBufferPointer { costOut in
                    runWorkers(threads) { worker in
                        for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                            var cost = 0.0
                            for f in 0..<bins {
                                var s = 0.0, fRe = 0.0, fIm = 0.0
                                let h = f * components, pBase = 2 * components * (f + bins * t)
                                for k in 0..<components {
                                    let c = hRows[h + k] * Double(activations.values[t * components + k])
                                    s += c
                                    fRe += c * Double(phases.values[pBase + 2 * k])
                                    fIm += c * Double(phases.values[pBase + 2 * k + 1])
                                }
                                let i = t * bins + f
                                let rRe = Double(spectrogram.values[2 * i]) - fRe
                                let rIm = Double(spectrogram.values[2 * i + 1]) - fIm
                                sOut[i] = s
                                rOut[2 * i] = rRe
                                rOut[2 * i + 1] = rIm
                                cost += rRe * rRe + rIm * rIm
                            }
                            if lambda > 0 {
                                var penalty = 0.0
                                for k in 0..<components { penalty += pow(Double(activations.values[t * components + k]), p) }
                                cost += 2 * lambda * penalty
                            }
                            costOut[t] = cost
                        }
                    }
                }
            }
        }
        return state.frameCost.reduce(0, +)
    }

    /// One auxiliary-function update of every phase and activation from `state`.
    func updatePass(activations: inout RealMatrix, phases: inout PhaseTensor, state: BinState, threads: Int) {
        let frames = activations.columns
        let (bins, components, lambda, p) = (bins, components, lambda, sparsity)
        let floor = NumericalGuards.activationFloor
        let chunk = (frames + threads - 1) / threads
        activations.values.withUnsafeMutableBufferPointer { u in
            phases.values.withUnsafeMutableBufferPointer { phase in
                runWorkers(threads) { worker in
                    var numerator = [Double](repeating: 0, count: components)
                    for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                        for k in 0..<components { numerator[k] = 0 }
                        for f in 0..<bins {
                            let i = t * bins + f
                            let s = state.modelMagnitude[i]
                            let rRe = state.residual[2 * i], rIm = state.residual[2 * i + 1]
                            let h = f * components, pBase = 2 * components * (f + bins * t)
                            for k in 0..<components {
                                // z_k = S P_k + R;  P_k ← z_k / |z_k|;  Σ_f H |z_k|.
                                let zRe = s * Double(phase[pBase + 2 * k]) + rRe
                                let zIm = s * Double(phase[pBase + 2 * k + 1]) + rIm
                                let magnitude = (zRe * zRe + zIm * zIm).squareRoot()
                                numerator[k] += hRows[h + k] * magnitude
                                if magnitude > 0 {
                                    phase[pBase + 2 * k] = Float(zRe / magnitude)
                                    phase[pBase + 2 * k + 1] = Float(zIm / magnitude)
                                }
                            }
                        }
                        let ut = t * components
                        // Denominators (HᵀH U)_k from the activations before this update.
                        var denominators = [Double](repeating: 0, count: components)
                        for a in 0..<components {
                            var d = 0.0
                            for b in 0..<components { d += gram[a * components + b] * Double(u[ut + b]) }
                            denominators[a] = d
                        }
                        for k in 0..<components {
                            let old = Double(u[ut + k])
                            let denominator = denominators[k] + (lambda > 0 ? lambda * p * pow(old, p - 1) : 0)
                            let updated = denominator > 0 ? old * numerator[k] / denominator : 0
                            u[ut + k] = max(floor, Float(updated))
                        }
                    }
                }
            }
        }
    }
}

extension ComplexNMFReferenceKernel {
    /// The iteration of `ComplexNMF.decompose` with this kernel, in global iteration order:
    /// the stopping rule sees the cost summed over all frames after every iteration.
    /// `activations` must already be floored; `phases` are the initial phases.
    static func decompose(spectrogram: ComplexMatrix, basis: RealMatrix, activations initial: RealMatrix, phases initialPhases: PhaseTensor,
                          lambda: Double, sparsity: Double, stopping rule: StoppingRule, threads: Int = 1) -> ComplexNMFResult {
        let bins = spectrogram.rows, frames = spectrogram.columns
        let kernel = ComplexNMFReferenceKernel(basis: basis, lambda: lambda, sparsity: sparsity)
        var state = BinState(bins: bins, frames: frames)
        var activations = initial, phases = initialPhases.expanded()   // the per-component layout
        let initialCost = kernel.residualPass(spectrogram: spectrogram, activations: activations, phases: phases, state: &state, threads: threads)
        var costs: [Double] = []
        repeat {
            kernel.updatePass(activations: &activations, phases: &phases, state: state, threads: threads)
            costs.append(kernel.residualPass(spectrogram: spectrogram, activations: activations, phases: phases, state: &state, threads: threads))
        } while !rule.shouldStop(costs: costs)
        for i in 0..<activations.values.count where activations.values[i] <= NumericalGuards.activationFloor {
            activations.values[i] = 0
        }
        _ = kernel.residualPass(spectrogram: spectrogram, activations: activations, phases: phases, state: &state, threads: threads)
        var reconstruction = ComplexMatrix(rows: bins, columns: frames)
        for i in 0..<(bins * frames) {
            reconstruction.values[2 * i] = Float(Double(spectrogram.values[2 * i]) - state.residual[2 * i])
            reconstruction.values[2 * i + 1] = Float(Double(spectrogram.values[2 * i + 1]) - state.residual[2 * i + 1])
        }
        // The reference reports totals only (no per-frame costs: `frameCosts` is empty).
        return ComplexNMFResult(activations: activations, phases: phases, reconstruction: reconstruction,
                                cost: costs, initialCost: initialCost, frameCosts: [], lambda: lambda)
    }
}
