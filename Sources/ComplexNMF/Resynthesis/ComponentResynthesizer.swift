import CResynthesisKernel

/// Forms the output spectra of one block of frames from a decomposition (see `ComponentSignal`),
/// summing components into their outputs (`OutputGroups`).
///
/// Where the model is zero in a bin (`S = Σ H U = 0`), the mixture is shared equally between
/// all components, so `consistent` and `mask` outputs still sum exactly to the input.
///
/// Work is split in two: `prepare` computes what all outputs share (`1/S` and, for
/// `consistent`, the residual `Y − Σ H U P`) once per block; `output(_:of:)` then forms one
/// output's spectrum from it. Outputs are independent of each other, so callers may compute
/// them on different threads; every output's arithmetic is fixed, so results do not depend on
/// how outputs, frames or blocks are split.
public struct ComponentResynthesizer: Sendable {
    /// The basis `H` `[bins × K]`.
    public let basis: RealMatrix
    /// Output grouping.
    public let groups: OutputGroups
    /// Kind of component signal.
    public let signal: ComponentSignal
    /// The components of each output, in component order.
    let componentsOfOutput: [[Int]]

    /// What every output of one block needs: the decomposition and the per-bin shares.
    public struct Block: Sendable {
        /// The mixture `Y` `[bins × frames]`.
        public let spectrogram: ComplexMatrix
        /// `U` `[K × frames]`.
        public let activations: RealMatrix
        /// `P` for `model`/`consistent`; nil for `mask`.
        public let phases: PhaseTensor?
        /// `1/S` per bin `[bins × frames]`, 0 where `S = Σ_k H U` is 0 (or too small for a
        /// finite Float `1/S`).
        let inverseTotal: [Float]
        /// 1 where `S` is 0 or too small (the mixture is shared equally there), else 0 `[bins × frames]`.
        let silent: [Float]
        /// Interleaved `[bins × frames]`: `Y` for `mask`, `Y − Σ_k H U P` for `consistent`,
        /// empty for `model`.
        let residual: [Float]
        /// Frames in the block.
        public var frames: Int { spectrogram.columns }
    }

    /// A resynthesizer for `basis` into `groups`.
    public init(basis: RealMatrix, groups: OutputGroups, signal: ComponentSignal) {
        precondition(groups.outputOfComponent.count == basis.columns)
        self.basis = basis
        self.groups = groups
        self.signal = signal
        var members = [[Int]](repeating: [], count: groups.names.count)
        for (k, g) in groups.outputOfComponent.enumerated() { members[g].append(k) }
        componentsOfOutput = members
    }

    /// The shared part of a block's resynthesis, computed on `threadCount` threads (frames are
    /// split; each frame's arithmetic is fixed).
    /// - Parameters:
    ///   - spectrogram: the mixture `Y` block `[bins × frames]`.
    ///   - activations: `U` `[K × frames]`.
    ///   - phases: `P` for `model`/`consistent` (Complex NMF); ignored for `mask`.
    public func prepare(spectrogram y: ComplexMatrix, activations u: RealMatrix, phases: PhaseTensor?,
                        threadCount: Int = 1) -> Block {
        precondition(signal == .mask || phases != nil, "model/consistent components need phases")
        let bins = y.rows, frames = y.columns, components = basis.columns
        precondition(basis.rows == bins && u.rows == components && u.columns == frames, "block shapes")
        var inverse = [Float](repeating: 0, count: bins * frames)
        var silent = [Float](repeating: 0, count: bins * frames)
        var residual = [Float](repeating: 0, count: signal == .model ? 0 : 2 * bins * frames)
        let signal = signal
        let threads = max(1, min(threadCount, frames))
        let chunk = (frames + threads - 1) / threads
        basis.values.withUnsafeBufferPointer { h in
        u.values.withUnsafeBufferPointer { uValues in
        y.values.withUnsafeBufferPointer { yValues in
        inverse.withUnsafeMutableBufferPointer { inverseOut in
        silent.withUnsafeMutableBufferPointer { silentOut in
        residual.withUnsafeMutableBufferPointer { residualOut in
            let shared = UncheckedSendable(value: (h, uValues, yValues, inverseOut, silentOut, residualOut))
            runWorkers(threads) { worker in
                let (h, uValues, yValues, inverseOut, silentOut, residualOut) = shared.value
                var total = [Double](repeating: 0, count: bins)
                var model = [Double](repeating: 0, count: signal == .consistent ? 2 * bins : 0)
                for t in (worker * chunk)..<min(frames, (worker + 1) * chunk) {
                    total.withUnsafeMutableBufferPointer {
                        MatrixProduct.sumColumn(h.baseAddress, rows: bins, columns: components,
                                                weights: uValues.baseAddress.map { $0 + components * t }, into: $0.baseAddress!)
                    }
                    let base = t * bins
                    for f in 0..<bins {
                        // A model so small that 1/S overflows Float (S < ~3e-39) counts as zero:
                        // shares are then equal, never 0 · ∞.
                        let inverse = 1 / total[f]
                        let usable = total[f] > 0 && inverse <= Double(Float.greatestFiniteMagnitude)
                        inverseOut[base + f] = usable ? Float(inverse) : 0
                        silentOut[base + f] = usable ? 0 : 1
                    }
                    switch signal {
                    case .model:
                        break
                    case .mask:
                        for i in 0..<(2 * bins) { residualOut[2 * base + i] = yValues[2 * base + i] }
                    case .consistent where phases!.isSharedAcrossComponents:
                        // One phase per bin: Σ_k H U P = S · P.
                        phases!.values.withUnsafeBufferPointer { pv in
                            let phase = pv.baseAddress! + 2 * bins * t
                            for f in 0..<bins {
                                model[2 * f] = total[f] * Double(phase[2 * f])
                                model[2 * f + 1] = total[f] * Double(phase[2 * f + 1])
                            }
                        }
                        for i in 0..<(2 * bins) { residualOut[2 * base + i] = Float(Double(yValues[2 * base + i]) - model[i]) }
                    case .consistent:
                        let p = phases!.values
                        p.withUnsafeBufferPointer { pv in
                            for f in 0..<bins {
                                var re = 0.0, im = 0.0
                                let phase = pv.baseAddress! + 2 * components * (f + bins * t)
                                for k in 0..<components {
                                    let c = Double(h[k * bins + f]) * Double(uValues[k + components * t])
                                    re += c * Double(phase[2 * k]); im += c * Double(phase[2 * k + 1])
                                }
                                model[2 * f] = re; model[2 * f + 1] = im
                            }
                        }
                        for i in 0..<(2 * bins) { residualOut[2 * base + i] = Float(Double(yValues[2 * base + i]) - model[i]) }
                    }
                }
            }
        }}}}}}
        return Block(spectrogram: y, activations: u, phases: signal == .mask ? nil : phases,
                     inverseTotal: inverse, silent: silent, residual: residual)
    }

    /// The spectrum `[bins × frames]` of output `index` for a prepared block.
    public func output(_ index: Int, of block: Block) -> ComplexMatrix {
        var out = ComplexMatrix(rows: block.spectrogram.rows, columns: block.frames)
        output(index, of: block, into: &out)
        return out
    }

    /// Writes the spectrum of output `index` for a prepared block into `out`, which must be
    /// `[bins × frames]` of the block; every value is overwritten, so a buffer can be reused.
    public func output(_ index: Int, of block: Block, into out: inout ComplexMatrix) {
        let bins = block.spectrogram.rows, frames = block.frames, components = basis.columns
        precondition(out.rows == bins && out.columns == frames, "output buffer shape")
        let members = componentsOfOutput[index]
        let equalShare = Float(members.count) / Float(components)
        let signal = signal
        var weight = [Float](repeating: 0, count: bins)
        basis.values.withUnsafeBufferPointer { h in
        block.activations.values.withUnsafeBufferPointer { u in
        block.inverseTotal.withUnsafeBufferPointer { inverse in
        block.silent.withUnsafeBufferPointer { silent in
        block.residual.withUnsafeBufferPointer { residual in
        out.values.withUnsafeMutableBufferPointer { out in
        weight.withUnsafeMutableBufferPointer { weight in
            for t in 0..<frames {
                let base = t * bins
                let target = out.baseAddress! + 2 * base
                // `mask` assigns every value below; the others add to zeros.
                if signal != .mask { for i in 0..<(2 * bins) { target[i] = 0 } }
                // Σ_{k ∈ output} H U, for the shares and for the shared-phase model.
                let sharedPhases = block.phases?.isSharedAcrossComponents ?? false
                if signal != .model || sharedPhases {
                    for f in 0..<bins { weight[f] = 0 }
                    for k in members {
                        let uk = u[k + components * t]
                        if uk == 0 { continue }
                        let column = h.baseAddress! + k * bins
                        rs_add_scaled(CNMF_LEVEL_AUTOMATIC, Int32(bins), weight.baseAddress!, column, uk)
                    }
                }
                if signal != .mask, let phases = block.phases, sharedPhases {
                    // Σ_{k ∈ output} H U P with one phase per bin: (Σ_k H U) · P.
                    phases.values.withUnsafeBufferPointer { p in
                        let phase = p.baseAddress! + 2 * bins * t
                        for f in 0..<bins {
                            target[2 * f] = weight[f] * phase[2 * f]
                            target[2 * f + 1] = weight[f] * phase[2 * f + 1]
                        }
                    }
                } else if signal != .mask, let phases = block.phases {
                    // Σ_{k ∈ output} H U P: the model part of `model` and `consistent`.
                    phases.values.withUnsafeBufferPointer { p in
                        for k in members {
                            let uk = u[k + components * t]
                            if uk == 0 { continue }
                            let column = h.baseAddress! + k * bins
                            let phase = p.baseAddress! + 2 * (k + components * bins * t)
                            for f in 0..<bins {
                                let c = column[f] * uk
                                target[2 * f] += c * phase[2 * components * f]
                                target[2 * f + 1] += c * phase[2 * components * f + 1]
                            }
                        }
                    }
                }
                guard signal != .model else { continue }
                // The output's share of Y (mask) or of the residual (consistent): one C pass
                // (16 floats at a time with AVX-512, 8 with AVX2; the same bits as a scalar loop).
                rs_apply_share(CNMF_LEVEL_AUTOMATIC, Int32(bins), weight.baseAddress, inverse.baseAddress! + base,
                               silent.baseAddress! + base, equalShare, residual.baseAddress! + 2 * base, target, signal == .mask ? 0 : 1)
            }
        }}}}}}}
    }

    /// Output `index`'s model `Σ_{k ∈ output} H U` for a prepared block, `bins × frames` values
    /// (column-major) written into `out` (resized as needed). With squared templates this is the
    /// output's model power, the `v_j` of Wiener filtering.
    public func outputModel(_ index: Int, of block: Block, into out: inout [Float]) {
        let bins = block.spectrogram.rows, frames = block.frames, components = basis.columns
        if out.count != bins * frames { out = [Float](repeating: 0, count: bins * frames) }
        let members = componentsOfOutput[index]
        basis.values.withUnsafeBufferPointer { h in
        block.activations.values.withUnsafeBufferPointer { u in
        out.withUnsafeMutableBufferPointer { out in
            for t in 0..<frames {
                let target = out.baseAddress! + t * bins
                target.update(repeating: 0, count: bins)
                for k in members {
                    let uk = u[k + components * t]
                    if uk == 0 { continue }
                    let column = h.baseAddress! + k * bins
                    rs_add_scaled(CNMF_LEVEL_AUTOMATIC, Int32(bins), target, column, uk)
                }
            }
        }}}
    }

    /// Each output's model summed over bins and frames, `Σ_{k ∈ output} (Σ_f H[f, k]) Σ_t U[k, t]`,
    /// for activations `[K × frames]`, without forming the models.
    public func componentTotals(of activations: RealMatrix) -> [Double] {
        precondition(activations.rows == basis.columns, "activations rows")
        let bins = basis.rows, components = basis.columns
        var columnSums = [Double](repeating: 0, count: components)
        for k in 0..<components { for f in 0..<bins { columnSums[k] += Double(basis.values[k * bins + f]) } }
        var componentTotals = [Double](repeating: 0, count: components)
        for t in 0..<activations.columns { for k in 0..<components { componentTotals[k] += Double(activations.values[k + components * t]) } }
        return componentsOfOutput.map { members in members.reduce(0.0) { $0 + columnSums[$1] * componentTotals[$1] } }
    }

    /// Output spectra `[bins × frames]`, one per output, for a block (all outputs in turn).
    /// - Parameters:
    ///   - spectrogram: the mixture `Y` block.
    ///   - activations: `U` `[K × frames]`.
    ///   - phases: `P` for `model`/`consistent` (Complex NMF); ignored for `mask`.
    public func outputs(spectrogram y: ComplexMatrix, activations u: RealMatrix, phases: PhaseTensor?) -> [ComplexMatrix] {
        let block = prepare(spectrogram: y, activations: u, phases: phases)
        return groups.names.indices.map { output($0, of: block) }
    }
}
