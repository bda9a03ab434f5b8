import Foundation

/// `report.json` of a separation: inputs, parameters, iterations, final cost, runtime, peak
/// memory and the energy of every output.
public struct SeparationReport: Codable, Sendable {
    /// The input (path or description).
    public var input: String
    /// Method, component signal, iterations, p, λ per channel, seed, block size, threads, and the
    /// kernels' instruction set (`KernelInstructionSet.selected`).
    public var parameters: [String: String]
    /// Sample rate in Hz, channels, samples per channel, STFT frames, n_fft, hop, window.
    public var format: [String: String]
    /// Basis labels.
    public var labels: [String]
    /// Iterations per frame.
    public var iterations: Int
    /// Cost after the last iteration (summed over frames and channels).
    public var finalCost: Double?
    /// Wall-clock seconds.
    public var runtimeSeconds: Double
    /// Peak resident memory of the process in MiB.
    public var peakMemoryMiB: Double
    /// Energy (Σ samples² over channels) per output name.
    public var outputEnergy: [String: Double]
    /// Samples clipped when writing PCM16.
    public var clippedSamples: Int
    /// The files written.
    public var files: [String]

    enum CodingKeys: String, CodingKey {
        case input, parameters, format, labels, iterations, finalCost = "final_cost", runtimeSeconds = "runtime_seconds"
        case peakMemoryMiB = "peak_memory_mib", outputEnergy = "output_energy", clippedSamples = "clipped_samples", files
    }

    /// A report of a finished run.
    public init(info: SeparationInfo, summary: SeparationSummary, input: String, files: [String], clippedSamples: Int) {
        self.input = input
        let c = info.configuration
        parameters = [
            "method": c.method.rawValue, "components": c.effectiveComponentSignal.rawValue, "iterations": "\(c.iterations)",
            "seed": "\(c.seed)", "block_frames": "\(c.blockFrames)", "threads": "\(c.threadCount)", "mono": "\(c.mono)",
            "instruction_set": KernelInstructionSet.selected.rawValue,
        ]
        if c.method == .complexNMF {
            parameters["sparsity_p"] = "\(c.sparsity)"
            parameters["lambda"] = info.lambdas.map { String($0) }.joined(separator: ", ")
            parameters["phase_jitter"] = "\(c.phaseJitter)"
        } else {
            parameters["divergence"] = c.divergence.rawValue
            parameters["spectrum"] = c.spectrum.rawValue
        }
        format = ["sample_rate": "\(info.sampleRate)", "channels": "\(info.channelCount)", "samples": "\(info.length)",
                  "frames": "\(info.frameCount)", "n_fft": "\(info.stft.fftSize)", "hop_length": "\(info.stft.hopLength)",
                  "window": info.stft.window.rawValue]
        labels = info.labels
        iterations = summary.iterations
        finalCost = summary.cost.last
        runtimeSeconds = summary.seconds
        peakMemoryMiB = Double(PeakMemory.residentBytes) / 1_048_576
        outputEnergy = Dictionary(zip(info.outputNames, summary.outputEnergy), uniquingKeysWith: +)
        self.clippedSamples = clippedSamples
        self.files = files
    }

    /// Writes the report atomically.
    public func write(to path: String) throws { try encodeSidecar(self, path: path) }
}

/// The process's peak resident set size.
public enum PeakMemory {
    /// Peak RSS in bytes (`getrusage` `ru_maxrss`).
    public static var residentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
