import ArgumentParser
@_spi(Benchmarks) import ComplexNMF
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Times Complex NMF in-process on random data, for `Benchmarks/benchmark.py`.
///
/// Y: complex Gaussian `[bins × frames]`; H: uniform in [0, 1) `[bins × components]`, each
/// column normalised to unit sum; U0: the library's half-normal start; λ by the default rule.
/// `--mode kernel` times the iterations on arrays allocated once (what the C yardstick times);
/// `--mode decompose` times `ComplexNMF.decompose` end to end (λ, result allocation and first
/// touch of the K·F·T phase tensor included), with a fixed number of iterations (the frame-major
/// path, as in `cnmf separate`) unless `--tolerance` is given. One untimed warm-up run first.
/// Prints one JSON object: the median and every run's seconds, element updates per second
/// (K·F·T·iterations / seconds), the final cost and the process's peak resident memory.
@main
struct KernelBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnmf-bench",
        abstract: "Time Complex NMF (ComplexNMF.decompose) on random data; prints JSON.")

    @Option(help: "Frequency bins F.") var bins = 1025
    @Option(help: "Components K.") var components = 88
    @Option(help: "Frames T.") var frames = 400
    @Option(help: "Iterations.") var iterations = 20
    @Option(help: "Worker threads.") var threads = 1
    @Option(help: "Timed runs (the median is reported).") var repeats = 3
    @Option(help: "kernel (iterations on preallocated arrays) or decompose (the public call, end to end).")
    var mode: Mode = .kernel
    @Option(help: "decompose only: use the global-iteration-order path with this relative tolerance.")
    var tolerance: Double?

    enum Mode: String, ExpressibleByArgument, CaseIterable { case kernel, decompose }

    func run() throws {
        var generator = SeededRandomGenerator(seed: 12_345)
        var y = ComplexMatrix(rows: bins, columns: frames)
        for i in 0..<y.values.count { y.values[i] = Float(generator.nextGaussian()) }
        var h = RealMatrix(rows: bins, columns: components)
        for k in 0..<components {
            var column = (0..<bins).map { _ in Float(generator.nextUnitInterval()) }
            let total = column.reduce(0, +)
            for f in 0..<bins { column[f] /= total }
            h.values.replaceSubrange((k * bins)..<((k + 1) * bins), with: column)
        }
        let u0 = ActivationInitializer.halfNormal(components: components, frames: frames, seed: 1)
        var config = ComplexNMFConfiguration()
        config.threadCount = threads
        config.stopping = StoppingRule(maximumIterations: iterations, relativeTolerance: tolerance)
        let nmf = ComplexNMF(configuration: config)
        var energy = 0.0
        for x in y.values { energy += Double(x) * Double(x) }
        let lambda = ComplexNMFConfiguration.defaultLambda(energy: energy, bins: bins, sparsity: config.sparsity)
        var activations = u0
        var phases = PhaseTensor(components: 0, bins: 0, frames: 0)
        if mode == .kernel { phases = PhaseTensor(components: components, bins: bins, frames: frames) }

        var seconds: [Double] = []
        var finalCost = 0.0
        for run in 0...max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            switch mode {
            case .kernel:
                activations = u0
                finalCost = ComplexNMFKernelBenchmark.run(spectrogram: y, basis: h, lambda: lambda, sparsity: config.sparsity,
                                                          activations: &activations, phases: &phases, iterations: iterations, threads: threads).last ?? .nan
            case .decompose:
                finalCost = try nmf.decompose(spectrogram: y, basis: h, initialActivations: u0).cost.last ?? .nan
            }
            if run > 0 { seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) }
        }
        let median = seconds.sorted()[seconds.count / 2]
        let updates = Double(components) * Double(bins) * Double(frames) * Double(iterations)
        let report: [String: Any] = [
            "bins": bins, "components": components, "frames": frames, "iterations": iterations, "threads": threads,
            "mode": mode.rawValue, "instruction_set": ComplexNMFKernelBenchmark.instructionSet,
            "seconds": seconds, "median_seconds": median, "updates_per_second": updates / median,
            "final_cost": finalCost, "peak_rss_bytes": Self.peakResidentBytes(),
        ]
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Peak resident set size of this process (`getrusage`; kilobytes on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }
}
