/// Forms the output spectra of one block of frames from a decomposition (see `ComponentSignal`),
/// summing components into their outputs (`OutputGroups`).
///
/// Where the model is zero in a bin (`S = Σ H U = 0`), the mixture is shared equally between
/// all components, so `consistent` and `mask` outputs still sum exactly to the input.
public struct ComponentResynthesizer: Sendable {
    /// The basis `H` `[bins × K]`.
    public let basis: RealMatrix
    /// Output grouping.
    public let groups: OutputGroups
    /// Kind of component signal.
    public let signal: ComponentSignal

    /// A resynthesizer for `basis` into `groups`.
    public init(basis: RealMatrix, groups: OutputGroups, signal: ComponentSignal) {
        precondition(groups.outputOfComponent.count == basis.columns)
        self.basis = basis
        self.groups = groups
        self.signal = signal
    }

    /// Output spectra `[bins × frames]`, one per output, for a block.
    /// - Parameters:
    ///   - spectrogram: the mixture `Y` block.
    ///   - activations: `U` `[K × frames]`.
    ///   - phases: `P` for `model`/`consistent` (Complex NMF); ignored for `mask`.
    public func outputs(spectrogram y: ComplexMatrix, activations u: RealMatrix, phases: PhaseTensor?) -> [ComplexMatrix] {
        let bins = y.rows, frames = y.columns, components = basis.columns
        var out = [ComplexMatrix](repeating: ComplexMatrix(rows: bins, columns: frames), count: groups.names.count)
        precondition(signal == .mask || phases != nil, "model/consistent components need phases")
        var c = [Double](repeating: 0, count: components)
        for t in 0..<frames {
            for f in 0..<bins {
                var s = 0.0, mRe = 0.0, mIm = 0.0
                for k in 0..<components {
                    c[k] = Double(basis[f, k]) * Double(u[k, t])
                    s += c[k]
                    if signal != .mask, let phases {
                        let i = 2 * (k + components * (f + bins * t))
                        mRe += c[k] * Double(phases.values[i])
                        mIm += c[k] * Double(phases.values[i + 1])
                    }
                }
                let yRe = Double(y.real(f, t)), yIm = Double(y.imaginary(f, t))
                let index = 2 * (t * bins + f)
                for k in 0..<components {
                    let share = s > 0 ? c[k] / s : 1 / Double(components)
                    var re = 0.0, im = 0.0
                    switch signal {
                    case .mask:
                        re = share * yRe; im = share * yIm
                    case .model, .consistent:
                        let i = 2 * (k + components * (f + bins * t))
                        re = c[k] * Double(phases!.values[i]); im = c[k] * Double(phases!.values[i + 1])
                        if signal == .consistent { re += share * (yRe - mRe); im += share * (yIm - mIm) }
                    }
                    let g = groups.outputOfComponent[k]
                    out[g].values[index] += Float(re)
                    out[g].values[index + 1] += Float(im)
                }
            }
        }
        return out
    }
}
