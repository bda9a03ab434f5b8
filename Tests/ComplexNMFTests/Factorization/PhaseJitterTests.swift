import Foundation
import Testing
@testable import ComplexNMF

/// The seeded phase jitter of the Complex NMF start (`PhaseJitter`, computed by
/// `cnmf_phase_jitter`) against its definition written out here, and its statistics.
struct PhaseJitterTests {
    /// The definition: per pair of phases two uniforms a, b of `SeededRandomGenerator(seed: key)`,
    /// Box–Muller z = r cos θ, r sin θ (r = √(−2 ln a), θ = 2π b), each phase turned by σ z in double.
    static func definition(_ phases: [Float], key: UInt64, sigma: Double) -> [Float] {
        var generator = SeededRandomGenerator(seed: key)
        var turned = phases
        let count = phases.count / 2
        for pair in stride(from: 0, to: count, by: 2) {
            let a = generator.nextUnitInterval(), b = generator.nextUnitInterval()
            let r = (-2 * log(a)).squareRoot(), theta = 2 * Double.pi * b
            let normals = [r * cos(theta), r * sin(theta)]
            for j in 0..<2 where pair + j < count {
                let phi = sigma * normals[j], i = 2 * (pair + j)
                let re = Double(phases[i]), im = Double(phases[i + 1])
                turned[i] = Float(re * cos(phi) - im * sin(phi))
                turned[i + 1] = Float(re * sin(phi) + im * cos(phi))
            }
        }
        return turned
    }

    /// `count` unit phases at seeded random angles.
    static func unitPhases(_ count: Int) -> [Float] {
        var generator = SeededRandomGenerator(seed: 77)
        return (0..<count).flatMap { _ -> [Float] in
            let angle = 2 * Double.pi * generator.nextUnitInterval()
            return [Float(cos(angle)), Float(sin(angle))]
        }
    }

    static func jittered(_ phases: [Float], key: UInt64, sigma: Double, instructionSet: ComplexNMFKernel.InstructionSet) -> [Float] {
        var values = phases
        values.withUnsafeMutableBufferPointer { buffer in
            PhaseJitter.apply(toFrame: buffer, globalFrame: 5, standardDeviation: sigma, seed: key, stream: 1, instructionSet: instructionSet)
        }
        return values
    }

    /// The portable path is the definition bit for bit (libm, the same operations); the vector
    /// path (glibc's libmvec where the CPU has AVX-512) within a float rounding of it. Counts
    /// cover partial blocks of 16 phases and odd counts (the second normal of the last pair unused).
    @Test(arguments: [ComplexNMFKernel.InstructionSet.portable, .automatic], [1, 2, 15, 16, 17, 33, 1025])
    func jitterFollowsItsDefinition(instructionSet: ComplexNMFKernel.InstructionSet, count: Int) {
        let phases = Self.unitPhases(count)
        for sigma in [0.3, 3.0] {
            let key = ActivationInitializer.frameKey(seed: 42, stream: 1, frame: 5, purpose: 2)
            let expected = Self.definition(phases, key: key, sigma: sigma)
            let result = Self.jittered(phases, key: 42, sigma: sigma, instructionSet: instructionSet)
            if instructionSet == .portable {
                #expect(result == expected, "sigma \(sigma)")
            } else {
                let worst = zip(result, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 2.4e-7, "sigma \(sigma): worst difference \(worst)")
            }
        }
    }

    /// Over many phases the turns are N(0, σ²): mean ≈ 0, standard deviation ≈ σ, about 68 %
    /// within one σ; every phase keeps unit modulus; another frame key gives other turns.
    @Test(arguments: [ComplexNMFKernel.InstructionSet.portable, .automatic])
    func turnsAreNormalWithTheGivenDeviationAndKeepUnitModulus(instructionSet: ComplexNMFKernel.InstructionSet) {
        let count = 200_001, sigma = 0.3
        let phases = Self.unitPhases(count)
        let result = Self.jittered(phases, key: 3, sigma: sigma, instructionSet: instructionSet)
        var turns: [Double] = []
        turns.reserveCapacity(count)
        var worstModulus = 0.0
        for i in stride(from: 0, to: 2 * count, by: 2) {
            let (a, b) = (Double(phases[i]), Double(phases[i + 1])), (c, d) = (Double(result[i]), Double(result[i + 1]))
            // arg(result · conj(phase))
            turns.append(atan2(d * a - c * b, c * a + d * b))
            worstModulus = max(worstModulus, abs((c * c + d * d).squareRoot() - 1))
        }
        let mean = turns.reduce(0, +) / Double(count)
        let deviation = (turns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)).squareRoot()
        let withinOne = Double(turns.filter { abs($0) <= sigma }.count) / Double(count)
        #expect(abs(mean) < 0.003, "mean turn \(mean)")
        #expect(abs(deviation / sigma - 1) < 0.01, "deviation \(deviation)")
        #expect(abs(withinOne - 0.6827) < 0.005, "share within one sigma \(withinOne)")
        #expect(worstModulus < 3e-7, "worst |P| − 1: \(worstModulus)")
        let other = Self.jittered(phases, key: 4, sigma: sigma, instructionSet: instructionSet)
        #expect(other != result)
    }
}
