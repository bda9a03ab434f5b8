import Foundation
import Testing
@testable import ComplexNMF

/// The resynthesizer against the literal per-bin formulas of `ComponentSignal`, in Double.
@Suite struct ComponentResynthesizerTests {
    static let bins = 37, frames = 9, components = 5

    /// A random block with a silent frame (U = 0) and a bin where the whole basis is zero.
    static func block(seed: UInt64) -> (h: RealMatrix, y: ComplexMatrix, u: RealMatrix, p: PhaseTensor) {
        var random = SeededRandomGenerator(seed: seed)
        var h = RealMatrix(rows: bins, columns: components)
        for i in 0..<h.values.count { h.values[i] = Float.random(in: 0...1, using: &random) }
        for k in 0..<components { h[5, k] = 0 }
        var y = ComplexMatrix(rows: bins, columns: frames)
        for i in 0..<y.values.count { y.values[i] = Float.random(in: -1...1, using: &random) }
        var u = RealMatrix(rows: components, columns: frames)
        for i in 0..<u.values.count { u.values[i] = Float.random(in: 0...2, using: &random) }
        for k in 0..<components { u[k, 3] = 0 }
        u[1, 4] = 0
        var p = PhaseTensor(components: components, bins: bins, frames: frames)
        for i in stride(from: 0, to: p.values.count, by: 2) {
            let angle = Float.random(in: -Float.pi...Float.pi, using: &random)
            p.values[i] = cos(angle); p.values[i + 1] = sin(angle)
        }
        return (h, y, u, p)
    }

    /// Output `o`'s spectrum written straight from the definitions.
    static func literal(_ signal: ComponentSignal, h: RealMatrix, y: ComplexMatrix, u: RealMatrix, p: PhaseTensor,
                        members: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: 2 * bins * frames)
        for t in 0..<frames {
            for f in 0..<bins {
                var s = 0.0, mRe = 0.0, mIm = 0.0
                for k in 0..<components {
                    let c = Double(h[f, k]) * Double(u[k, t])
                    let i = 2 * (k + components * (f + bins * t))
                    s += c; mRe += c * Double(p.values[i]); mIm += c * Double(p.values[i + 1])
                }
                for k in members {
                    let c = Double(h[f, k]) * Double(u[k, t])
                    let share = s > 0 ? c / s : 1 / Double(components)
                    let i = 2 * (k + components * (f + bins * t))
                    let yRe = Double(y.real(f, t)), yIm = Double(y.imaginary(f, t))
                    var re = 0.0, im = 0.0
                    switch signal {
                    case .mask: re = share * yRe; im = share * yIm
                    case .model: re = c * Double(p.values[i]); im = c * Double(p.values[i + 1])
                    case .consistent:
                        re = c * Double(p.values[i]) + share * (yRe - mRe)
                        im = c * Double(p.values[i + 1]) + share * (yIm - mIm)
                    }
                    out[2 * (t * bins + f)] += re; out[2 * (t * bins + f) + 1] += im
                }
            }
        }
        return out
    }

    @Test(arguments: ComponentSignal.allCases)
    func outputsMatchTheDefinitionsIncludingSilentBinsAndGroups(signal: ComponentSignal) throws {
        let (h, y, u, p) = Self.block(seed: 7)
        let labels = (0..<Self.components).map { "n\($0)" }
        let groups = try OutputGroups(groups: ["pair": ["n0", "n3"]], labels: labels)
        let resynthesizer = ComponentResynthesizer(basis: h, groups: groups, signal: signal)
        let outputs = resynthesizer.outputs(spectrogram: y, activations: u, phases: p)
        #expect(outputs.count == groups.names.count)
        for (o, spectrum) in outputs.enumerated() {
            let members = (0..<Self.components).filter { groups.outputOfComponent[$0] == o }
            let expected = Self.literal(signal, h: h, y: y, u: u, p: p, members: members)
            let scale = expected.map(abs).max()! + 1
            let worst = zip(spectrum.values, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5 * scale, "output \(groups.names[o]): max error \(worst)")
            #expect(spectrum.values.allSatisfy { $0.isFinite })
        }
    }

    /// Phases in the shared layout (one per bin and frame, what Complex NMF's default start
    /// returns) take the resynthesizer's (Σ_k H U) · P branch; it must match the definitions.
    @Test(arguments: ComponentSignal.allCases)
    func sharedLayoutPhasesMatchTheDefinitions(signal: ComponentSignal) throws {
        let (h, y, u, _) = Self.block(seed: 13)
        var random = SeededRandomGenerator(seed: 14)
        var values = [Float](repeating: 0, count: 2 * Self.bins * Self.frames)
        for i in stride(from: 0, to: values.count, by: 2) {
            let angle = Float.random(in: -Float.pi...Float.pi, using: &random)
            values[i] = cos(angle); values[i + 1] = sin(angle)
        }
        let shared = PhaseTensor(components: Self.components, bins: Self.bins, frames: Self.frames, sharedValues: values)
        let groups = try OutputGroups(groups: ["pair": ["n1", "n2"]], labels: (0..<Self.components).map { "n\($0)" })
        let outputs = ComponentResynthesizer(basis: h, groups: groups, signal: signal).outputs(spectrogram: y, activations: u, phases: shared)
        for (o, spectrum) in outputs.enumerated() {
            let members = (0..<Self.components).filter { groups.outputOfComponent[$0] == o }
            let expected = Self.literal(signal, h: h, y: y, u: u, p: shared.expanded(), members: members)
            let scale = expected.map(abs).max()! + 1
            let worst = zip(spectrum.values, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5 * scale, "output \(groups.names[o]): max error \(worst)")
        }
    }

    @Test(arguments: ComponentSignal.allCases)
    func modelsTooSmallForAFloatReciprocalShareEqually(signal: ComponentSignal) {
        // S ≈ 1e-41 in every bin: 1/S overflows Float. Shares must stay finite and sum to 1.
        let (h, y, original, p) = Self.block(seed: 3)
        var u = original
        for i in 0..<u.values.count { u.values[i] = Float.leastNormalMagnitude * 0x1p-10 }  // ≈ 1e-41
        let resynthesizer = ComponentResynthesizer(basis: h, groups: OutputGroups(labels: (0..<Self.components).map { "n\($0)" }), signal: signal)
        let outputs = resynthesizer.outputs(spectrogram: y, activations: u, phases: p)
        #expect(outputs.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        if signal != .model {
            for i in 0..<y.values.count {
                let sum = outputs.reduce(Float(0)) { $0 + $1.values[i] }
                #expect(abs(sum - y.values[i]) < 1e-5, "value \(i)")
            }
        }
    }

    @Test func preparingOnMoreThreadsChangesNothing() {
        let (h, y, u, p) = Self.block(seed: 11)
        let resynthesizer = ComponentResynthesizer(basis: h, groups: OutputGroups(labels: (0..<Self.components).map { "n\($0)" }), signal: .consistent)
        let one = resynthesizer.prepare(spectrogram: y, activations: u, phases: p, threadCount: 1)
        let three = resynthesizer.prepare(spectrogram: y, activations: u, phases: p, threadCount: 3)
        for o in 0..<Self.components { #expect(resynthesizer.output(o, of: one) == resynthesizer.output(o, of: three)) }
    }
}
