import ArgumentParser
@_spi(Benchmarks) import ComplexNMF
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// In-process timings for `Benchmarks/benchmark.py`; every subcommand prints one JSON object.
@main
struct Benchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnmf-bench",
        abstract: "Time ComplexNMF's engines in-process; prints JSON.",
        subcommands: [ComplexNMFBenchmark.self, NMFBenchmark.self, STFTBenchmark.self],
        defaultSubcommand: ComplexNMFBenchmark.self)
}

/// Prints one JSON object: the median and every run's seconds, element updates per second
/// (K·F·T·iterations / seconds), the final cost and the process's peak resident memory.
/// The default subcommand, so `cnmf-bench --frames 400 …` keeps working.
struct ComplexNMFBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complex-nmf",
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
    @Option(help: "decompose only: mixture (the default start, which takes the exact shared-phase shortcut) or random (seeded random initial phases, made before the timing: the general sweep).")
    var start: Start = .mixture
    @Option(help: "automatic (the loops ComplexNMF takes for K), tiles or component-major (AVX-512 layouts forced), avx2 (the plain-C loops built for AVX2 + FMA, what CPUs without AVX-512 run) or portable (the same loops for any CPU).")
    var loops: ComplexNMFKernelBenchmark.Loops = .automatic

    enum Mode: String, ExpressibleByArgument, CaseIterable { case kernel, decompose }
    enum Start: String, ExpressibleByArgument, CaseIterable { case mixture, random }

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
        var initialPhases: PhaseTensor?
        if mode == .decompose && start == .random {
            var random = PhaseTensor(components: components, bins: bins, frames: frames)
            for i in stride(from: 0, to: random.values.count, by: 2) {
                let angle = 2 * Double.pi * generator.nextUnitInterval()
                random.values[i] = Float(cos(angle))
                random.values[i + 1] = Float(sin(angle))
            }
            initialPhases = random
        }

        var seconds: [Double] = []
        var finalCost = 0.0
        for run in 0...max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            switch mode {
            case .kernel:
                activations = u0
                finalCost = ComplexNMFKernelBenchmark.run(spectrogram: y, basis: h, lambda: lambda, sparsity: config.sparsity,
                                                          activations: &activations, phases: &phases, iterations: iterations, threads: threads, loops: loops).last ?? .nan
            case .decompose:
                finalCost = try nmf.decompose(spectrogram: y, basis: h, initialActivations: u0, initialPhases: initialPhases,
                                              loops: loops).cost.last ?? .nan
            }
            if run > 0 { seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) }
        }
        let median = seconds.sorted()[seconds.count / 2]
        let updates = Double(components) * Double(bins) * Double(frames) * Double(iterations)
        let report: [String: Any] = [
            "bins": bins, "components": components, "frames": frames, "iterations": iterations, "threads": threads,
            "mode": mode.rawValue, "start": mode == .decompose ? start.rawValue : "mixture", "loops": ComplexNMFKernelBenchmark.loopsInUse(components: components, loops: loops),
            "seconds": seconds, "median_seconds": median, "updates_per_second": updates / median,
            "final_cost": finalCost, "peak_rss_bytes": peakResidentBytes(),
        ]
        try printJSON(report)
    }
}

/// Times magnitude NMF (`NMF.decompose`, the public call, end to end) on seeded random data.
///
/// V: uniform in [0, 1) `[bins × frames]`; H: uniform in [0, 1) `[bins × components]`, each
/// column normalised to unit sum; U0: uniform in [0.1, 1.1) `[components × frames]`, or with
/// `--constant-start` every entry `√(mean(V)/K)`: scikit-learn's start, which
/// `non_negative_factorization(update_H=False, solver='mu')` uses whatever W it is given. A fixed
/// number of iterations (no tolerance). `--save-inputs DIR` writes V, H and U0 as
/// `magnitudes.npy`, `basis.npy`, `activations0.npy` (float32) and the result as
/// `activations.npy`, so a reference (scikit-learn) can run on exactly the same data.
/// Prints the median and every run's seconds, element updates per second
/// (K·F·T·iterations / seconds), the final cost and the peak resident memory.
struct NMFBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmf", abstract: "Time NMF.decompose on random data; prints JSON.")

    @Option(help: "Frequency bins F.") var bins = 1025
    @Option(help: "Components K.") var components = 88
    @Option(help: "Frames T.") var frames = 2000
    @Option(help: "Iterations.") var iterations = 100
    @Option(help: "Divergence: \(Divergence.allCases.map(\.rawValue).joined(separator: ", ")).") var divergence: Divergence = .euclidean
    @Option(help: "Worker threads.") var threads = 1
    @Option(help: "Timed runs (the median is reported).") var repeats = 3
    @Option(help: "Directory to write the inputs and the result to (.npy).") var saveInputs: String?
    @Flag(help: "Start from U0 = √(mean(V)/K) everywhere (scikit-learn's start with update_H=False).") var constantStart = false
    @Option(help: "automatic (the loops NMF takes on this CPU), avx2 (the plain-C loops built for AVX2 + FMA, what CPUs without AVX-512 run) or portable (the same loops for any CPU).")
    var loops: NMFKernelLoops = .automatic

    func run() throws {
        var generator = SeededRandomGenerator(seed: 2_024)
        func uniform(_ rows: Int, _ columns: Int, offset: Double = 0) -> RealMatrix {
            RealMatrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float(offset + generator.nextUnitInterval()) })
        }
        let v = uniform(bins, frames)
        var h = uniform(bins, components)
        for k in 0..<components {
            let column = (k * bins)..<((k + 1) * bins)
            let total = h.values[column].reduce(0, +)
            for i in column { h.values[i] /= total }
        }
        var u0 = uniform(components, frames, offset: 0.1)
        if constantStart {
            let mean = v.values.reduce(0.0) { $0 + Double($1) } / Double(v.values.count)
            u0 = RealMatrix(rows: components, columns: frames,
                            values: [Float](repeating: Float((mean / Double(components)).squareRoot()), count: components * frames))
        }
        var config = NMFConfiguration()
        config.divergence = divergence
        config.threadCount = threads
        config.stopping = StoppingRule(maximumIterations: iterations)
        let nmf = NMF(configuration: config)
        var seconds: [Double] = []
        var result: NMFResult?
        var loopsInUse = ""
        for run in 0...max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            (result, loopsInUse) = try nmf.decompose(magnitudes: v, basis: h, initialActivations: u0, loops: loops)
            if run > 0 { seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) }
        }
        if let saveInputs {
            try NPYArray(v).write(to: saveInputs + "/magnitudes.npy")
            try NPYArray(h).write(to: saveInputs + "/basis.npy")
            try NPYArray(u0).write(to: saveInputs + "/activations0.npy")
            try NPYArray(result!.activations).write(to: saveInputs + "/activations.npy")
        }
        let median = seconds.sorted()[seconds.count / 2]
        let updates = Double(components) * Double(bins) * Double(frames) * Double(iterations)
        try printJSON([
            "bins": bins, "components": components, "frames": frames, "iterations": iterations, "threads": threads,
            "divergence": divergence.rawValue, "loops": loopsInUse, "seconds": seconds, "median_seconds": median,
            "updates_per_second": updates / median, "final_cost": result!.cost.last ?? .nan,
            "peak_rss_bytes": peakResidentBytes(),
        ])
    }
}

extension Divergence: ExpressibleByArgument {}
extension NMFKernelLoops: ExpressibleByArgument {}

/// Times the STFT stages in-process on an audio file: decoding (`AudioFile.read`), the forward
/// transform of the decoded samples (`ShortTimeFourierTransform.forward`, the same call as
/// `librosa.stft(y, n_fft, hop_length)` on the same array), the inverse
/// (`inverse(_:length:)`, as `librosa.istft(S, length=)`), and the forward transform written
/// to a `.npy` (`writeSpectrogram`, what `cnmf spectrogram` does after decoding). The first
/// plan creation is timed separately; one untimed warm-up, then `--repeats` timed runs.
struct STFTBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stft", abstract: "Time decode, STFT, ISTFT and .npy writing in-process; prints JSON.")

    @Argument(help: "Audio file (mono is used as is; several channels are averaged).") var audio: String
    @Option(help: "FFT size (librosa n_fft).") var nFFT = 2048
    @Option(help: "Hop (librosa hop_length).") var hop = 512
    @Option(help: "Worker threads (default: all cores for long inputs).") var threads: Int?
    @Option(help: "Timed runs (the median is reported).") var repeats = 5
    @Option(help: "Scratch .npy path for the write timing.") var scratch = "/tmp/cnmf-bench-stft.npy"
    @Option(help: "FFTW plans: shipped-wisdom (what the package does: the shipped FFTW_PATIENT plans where there are some) or estimate (FFTW_ESTIMATE for every size).")
    var plans: Plans = .shippedWisdom

    enum Plans: String, ExpressibleByArgument, CaseIterable {
        case shippedWisdom = "shipped-wisdom", estimate
    }

    func run() throws {
        FFTPlan.usesShippedWisdom = plans == .shippedWisdom
        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        }
        var transform: ShortTimeFourierTransform!
        let config = STFTConfiguration(fftSize: nFFT, hopLength: hop)
        // The FFTW plan is made on first use: time it with a one-frame transform.
        let planSeconds = try time {
            transform = try ShortTimeFourierTransform(configuration: config)
            _ = transform.forward([Float](repeating: 0, count: 1), threadCount: 1)
        }
        var signal: AudioSignal!
        var spectrogram = ComplexMatrix(rows: 0, columns: 0)
        var restored: [Float] = []
        var stages: [String: [Double]] = ["decode": [], "forward": [], "inverse": [], "forward_and_write": []]
        for run in 0...max(1, repeats) {
            let decode = try time { signal = try AudioFile.read(audio) }
            let samples = signal.channelCount == 1 ? signal.channels[0] : signal.downmixed()
            let forward = time { spectrogram = transform.forward(samples, threadCount: threads) }
            let inverse = time { restored = transform.inverse(spectrogram, length: samples.count, threadCount: threads) }
            let write = try time { try transform.writeSpectrogram(of: [samples], to: scratch, threadCount: threads) }
            if run > 0 {
                stages["decode"]!.append(decode)
                stages["forward"]!.append(forward)
                stages["inverse"]!.append(inverse)
                stages["forward_and_write"]!.append(write)
            }
        }
        try? FileManager.default.removeItem(atPath: scratch)
        var report: [String: Any] = [
            "samples": restored.count, "sample_rate": signal.sampleRate, "n_fft": nFFT, "hop_length": hop,
            "bins": spectrogram.rows, "frames": spectrogram.columns, "threads": threads ?? availableCoreCount,
            "first_plan_seconds": planSeconds, "peak_rss_bytes": peakResidentBytes(),
            "forward_plan": FFTPlan.shared(size: nFFT).source(inverse: false).rawValue,
            "inverse_plan": FFTPlan.shared(size: nFFT).source(inverse: true).rawValue,
        ]
        for (stage, seconds) in stages {
            report[stage + "_seconds"] = seconds
            report[stage + "_median_seconds"] = seconds.sorted()[seconds.count / 2]
        }
        try printJSON(report)
    }
}

/// Prints `object` as one line of JSON with sorted keys.
func printJSON(_ object: [String: Any]) throws {
    let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

/// Peak resident set size of this process (`getrusage`; kilobytes on Linux).
func peakResidentBytes() -> Int {
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

extension ComplexNMFKernelBenchmark.Loops: ExpressibleByArgument {}
