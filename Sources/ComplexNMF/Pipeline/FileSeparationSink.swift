import Foundation

/// Writes a separation into a directory, streaming: one audio file per output (named by the
/// output name), `reconstruction.wav`, `spectrogram.npy` (+ `spectrogram.json`),
/// `basis_calc.npy`, `activation_calc.npy`, `reconst.npy`, `cost.npy`, `phase_calc.npy` (only
/// with `savePhase`), `learning_curve.png`, `spectrograms.png`, `activations.png` and
/// `report.json`. Each file is written to a temporary name and renamed when complete; if the
/// run fails, the temporary files are removed and nothing half-written remains.
///
/// Multichannel arrays get a leading channel axis (`[channels × bins × frames]`, Fortran order).
public final class FileSeparationSink: SeparationSink {
    /// The output directory.
    public let directory: String
    /// Sample encoding of the audio outputs.
    public let encoding: SampleEncoding
    /// Whether to write `phase_calc.npy` (`8 · channels · K · bins · frames` bytes).
    public let savePhase: Bool
    /// Input description for `report.json` (e.g. the input path).
    public let inputDescription: String
    /// Threads that convert and write the output audio files (each file is written by one
    /// thread; the bytes do not depend on it). Default: all cores.
    public var threadCount = availableCoreCount

    private var info: SeparationInfo?
    private var audioWriters: [AudioFileWriter] = []
    private var reconstructionWriter: AudioFileWriter?
    private var spectrogramWriter: NPYStreamWriter?
    private var activationWriter: NPYStreamWriter?
    private var reconstructionArrayWriter: NPYStreamWriter?
    private var phaseWriter: NPYStreamWriter?
    private var mixtureImage: PooledMagnitudes?
    private var reconstructionImage: PooledMagnitudes?
    private var activationImage: PooledMagnitudes?
    /// Files completed so far (for `report.json`).
    public private(set) var writtenFiles: [String] = []
    /// Samples clipped in PCM16 outputs.
    public private(set) var clippedSamples = 0

    /// The names of the files a run with `outputNames` writes (for overwrite checks).
    public static func fileNames(outputNames: [String], savePhase: Bool) -> [String] {
        outputNames.map { OutputGroups.fileName(for: $0) + ".wav" }
            + ["reconstruction.wav", "spectrogram.npy", "spectrogram.json", "basis_calc.npy", "activation_calc.npy",
               "reconst.npy", "cost.npy", "learning_curve.png", "spectrograms.png", "activations.png", "report.json"]
            + (savePhase ? ["phase_calc.npy"] : [])
    }

    /// A sink writing into `directory` (which must exist).
    public init(directory: String, encoding: SampleEncoding = .pcm16, savePhase: Bool = false, inputDescription: String = "") {
        self.directory = directory
        self.encoding = encoding
        self.savePhase = savePhase
        self.inputDescription = inputDescription
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    public func begin(_ info: SeparationInfo) throws {
        self.info = info
        let channels = info.channelCount, bins = info.stft.binCount, frames = info.frameCount, k = info.basis.columns
        let lead = channels > 1 ? [channels] : []
        audioWriters = try info.outputNames.map {
            try AudioFileWriter(path: path(OutputGroups.fileName(for: $0) + ".wav"), sampleRate: info.sampleRate, channelCount: channels, encoding: encoding)
        }
        reconstructionWriter = try AudioFileWriter(path: path("reconstruction.wav"), sampleRate: info.sampleRate, channelCount: channels, encoding: encoding)
        spectrogramWriter = try NPYStreamWriter(path: path("spectrogram.npy"), scalarType: .complex64, shape: lead + [bins, frames])
        activationWriter = try NPYStreamWriter(path: path("activation_calc.npy"), scalarType: .float32, shape: lead + [k, frames])
        reconstructionArrayWriter = try NPYStreamWriter(path: path("reconst.npy"), scalarType: .complex64, shape: lead + [bins, frames])
        if savePhase && info.configuration.method == .complexNMF {
            phaseWriter = try NPYStreamWriter(path: path("phase_calc.npy"), scalarType: .complex64, shape: lead + [k, bins, frames])
        }
        mixtureImage = PooledMagnitudes(rows: bins, frames: frames)
        reconstructionImage = PooledMagnitudes(rows: bins, frames: frames)
        activationImage = PooledMagnitudes(rows: k, frames: frames)
    }

    /// Interleaves per-channel column-major blocks channel-fastest (Fortran order with a
    /// leading channel axis); a single channel is returned as it is.
    static func interleave(_ blocks: [[Float]], complex: Bool) -> [Float] {
        guard blocks.count > 1 else { return blocks.first ?? [] }
        let width = complex ? 2 : 1, channels = blocks.count
        let elements = blocks[0].count / width
        var out = [Float](repeating: 0, count: blocks[0].count * channels)
        for (c, block) in blocks.enumerated() {
            for e in 0..<elements { for w in 0..<width { out[(e * channels + c) * width + w] = block[e * width + w] } }
        }
        return out
    }

    public func consume(_ block: SeparatedBlock) throws {
        // Outputs split over threads (libsndfile handles are independent); the first error in
        // output order is thrown.
        let outputs = block.outputSamples.count, workers = max(1, min(threadCount, outputs))
        var errors = [Error?](repeating: nil, count: outputs)
        errors.withUnsafeMutableBufferPointer { errorSlots in
            let shared = UncheckedSendable(value: (errorSlots, audioWriters))
            runWorkers(workers) { worker in
                let (errorSlots, writers) = shared.value
                for o in stride(from: worker, to: outputs, by: workers) where !(block.outputSamples[o].first?.isEmpty ?? true) {
                    do { try writers[o].write(block.outputSamples[o]) } catch { errorSlots[o] = error }
                }
            }
        }
        if let error = errors.lazy.compactMap({ $0 }).first { throw error }
        if !(block.reconstructionSamples.first?.isEmpty ?? true) { try reconstructionWriter?.write(block.reconstructionSamples) }
        guard !block.frames.isEmpty else { return }
        try spectrogramWriter?.append(Self.interleave(block.spectrograms.map(\.values), complex: true))
        try activationWriter?.append(Self.interleave(block.activations.map(\.values), complex: false))
        try reconstructionArrayWriter?.append(Self.interleave(block.reconstructions.map(\.values), complex: true))
        if let phaseWriter { try phaseWriter.append(Self.interleave(block.phases.map { $0.expanded().values }, complex: true)) }
        // Plots show the sum over channels.
        var mixture = block.spectrograms[0], model = block.reconstructions[0], activations = block.activations[0]
        for c in 1..<block.spectrograms.count {
            for i in 0..<mixture.values.count { mixture.values[i] += block.spectrograms[c].values[i]; model.values[i] += block.reconstructions[c].values[i] }
            for i in 0..<activations.values.count { activations.values[i] += block.activations[c].values[i] }
        }
        mixtureImage?.add(mixture, firstFrame: block.frames.lowerBound)
        reconstructionImage?.add(model, firstFrame: block.frames.lowerBound)
        activationImage?.add(activations, firstFrame: block.frames.lowerBound)
    }

    public func finish(_ summary: SeparationSummary) throws {
        guard let info else { return }
        for (o, writer) in audioWriters.enumerated() {
            try writer.finish()
            clippedSamples += writer.clippedSampleCount
            writtenFiles.append(OutputGroups.fileName(for: info.outputNames[o]) + ".wav")
        }
        if let reconstructionWriter {
            try reconstructionWriter.finish()
            clippedSamples += reconstructionWriter.clippedSampleCount
            writtenFiles.append("reconstruction.wav")
        }
        for (writer, name) in [(spectrogramWriter, "spectrogram.npy"), (activationWriter, "activation_calc.npy"),
                               (reconstructionArrayWriter, "reconst.npy"), (phaseWriter, "phase_calc.npy")] {
            if let writer { try writer.finish(); writtenFiles.append(name) }
        }
        try SpectrogramSidecar(configuration: info.stft, sampleRate: info.sampleRate, length: info.length,
                               channels: info.channelCount, source: inputDescription).write(forArray: path("spectrogram.npy"))
        try NPYArray(info.basis).write(to: path("basis_calc.npy"))
        try NPYArray(summary.cost).write(to: path("cost.npy"))
        writtenFiles += ["spectrogram.json", "basis_calc.npy", "cost.npy"]
        try SeparationPlots.write(info: info, summary: summary, mixture: mixtureImage, reconstruction: reconstructionImage,
                                  activations: activationImage, directory: directory)
        writtenFiles += ["learning_curve.png", "spectrograms.png", "activations.png"]
        try SeparationReport(info: info, summary: summary, input: inputDescription, files: writtenFiles + ["report.json"],
                             clippedSamples: clippedSamples).write(to: path("report.json"))
        writtenFiles.append("report.json")
    }
}
