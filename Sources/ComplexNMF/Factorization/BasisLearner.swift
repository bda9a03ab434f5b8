import Foundation

/// Settings of `BasisLearner`.
public struct BasisLearningConfiguration: Sendable, Hashable, Codable {
    /// STFT settings of the templates (and of every later analysis with the basis).
    public var stft = STFTConfiguration()
    /// Columns learned per note recording (rank of its NMF). Default 6: several columns let a
    /// note's spectrum change over its duration (attack, decay), which measured +1.2–3.4 dB SDR
    /// over one column per note on every evaluation case (README, "Separation quality");
    /// `separate` sums a note's columns into one output.
    public var componentsPerFile = 6
    /// NMF iterations per recording (H and U both updated). Default 200.
    public var iterations = 200
    /// Divergence of the per-recording NMF. Default `.kullbackLeibler`, the usual choice for
    /// audio magnitudes (templates follow the average spectrum rather than the loudest frame).
    public var divergence: Divergence = .kullbackLeibler
    /// Seed of the random initialisation. Default 0.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
}

/// Learns a basis from isolated note (or instrument) recordings: each recording's magnitude
/// spectrogram `V` `[bins × frames]` is factorised as `V ≈ W G` with `W` `[bins × N]`,
/// `G` `[N × frames]`, both updated by the multiplicative β-divergence rules
///
///     G ← G ⊙ Wᵀ(Λ^(β−2) ⊙ V) / Wᵀ Λ^(β−1),   W ← W ⊙ (Λ^(β−2) ⊙ V) Gᵀ / Λ^(β−1) Gᵀ,   Λ = W G
///
/// (β = 2 Euclidean, 1 KL, ½, 0 Itakura–Saito), and the columns of `W`, normalised to unit sum,
/// become `N` basis columns.
public struct BasisLearner: Sendable {
    /// The settings.
    public var configuration: BasisLearningConfiguration

    /// A learner with the given settings.
    public init(configuration: BasisLearningConfiguration = BasisLearningConfiguration()) {
        self.configuration = configuration
    }

    /// The `[bins × N]` templates of one recording's samples (mono).
    /// - Throws: `ComplexNMFError.invalidContent` when the recording is silent.
    public func templates(of samples: [Float], path: String) throws -> RealMatrix {
        let stft = try ShortTimeFourierTransform(configuration: configuration.stft)
        let v = stft.forward(samples).magnitudes()
        guard v.values.contains(where: { $0 > 0 }) else {
            throw ComplexNMFError.invalidContent(path: path, reason: "the recording is silent; a note recording must contain the note")
        }
        return factorize(v)
    }

    /// Learns the basis from recordings (labels from the file names: `C4.wav` → `C4`; with
    /// several columns per file `C4`, `C4#2`, …; recordings whose names collide are labelled
    /// with their folder too: `piano/C5.wav`, `flute/C5.wav` → `piano_C5`, `flute_C5`).
    /// Multichannel recordings are downmixed;
    /// recordings at another rate than the first are resampled to it (listed in `notes`).
    public func learn(from paths: [String]) throws -> (basis: Basis, notes: [String]) {
        guard !paths.isEmpty else {
            throw ComplexNMFError.invalidParameter(name: "NOTE_AUDIO", value: "none", expectation: "give at least one note recording or a folder of them")
        }
        var columns: [Float] = []
        var labels: [String] = []
        let stems = Self.uniqueNames(for: paths)
        var notes: [String] = []
        var sampleRate: Int?
        let n = configuration.componentsPerFile
        for path in paths {
            let signal = try AudioFile.read(path)
            var samples = signal.downmixed()
            if let rate = sampleRate, rate != signal.sampleRate {
                let resampler = try Resampler(inputRate: signal.sampleRate, outputRate: rate, channelCount: 1)
                samples = resampler.process([samples])[0] + resampler.finish()[0]
                notes.append("note: resampled '\(path)' from \(signal.sampleRate) Hz to \(rate) Hz")
            }
            sampleRate = sampleRate ?? signal.sampleRate
            let w = try templates(of: samples, path: path)
            columns += w.values
            let stem = stems[labels.count / n]
            labels += (0..<n).map { $0 == 0 ? stem : "\(stem)#\($0 + 1)" }
        }
        let bins = configuration.stft.binCount
        let sidecar = BasisSidecar(configuration: configuration.stft, sampleRate: sampleRate, labels: labels,
                                   sources: paths, componentsPerFile: n)
        return (Basis(templates: RealMatrix(rows: bins, columns: labels.count, values: columns), labels: labels, sidecar: sidecar), notes)
    }

    /// File stems, prefixed with parent folders where stems collide, numbered as a last resort.
    static func uniqueNames(for paths: [String]) -> [String] {
        let urls = paths.map { URL(fileURLWithPath: $0) }
        var names = urls.map { $0.deletingPathExtension().lastPathComponent }
        let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
        names = zip(names, urls).map { name, url in
            counts[name]! > 1 ? url.deletingLastPathComponent().lastPathComponent + "_" + name : name
        }
        var seen: [String: Int] = [:]
        return names.map { name in
            seen[name, default: 0] += 1
            return seen[name]! == 1 ? name : "\(name)_\(seen[name]!)"
        }
    }

    /// Rank-N β-NMF of `v`, columns of W normalised to unit sum (sorted by decreasing energy).
    func factorize(_ v: RealMatrix) -> RealMatrix {
        let bins = v.rows, frames = v.columns, n = configuration.componentsPerFile
        let eps = NumericalGuards.epsilon
        let x = v.values.map(Double.init)
        // Initialisation: W from the mean spectrum (plus seeded noise for N > 1), G half-normal.
        var generator = SeededRandomGenerator(seed: configuration.seed)
        var mean = [Double](repeating: 0, count: bins)
        for t in 0..<frames { for f in 0..<bins { mean[f] += x[t * bins + f] / Double(frames) } }
        let scale = mean.reduce(0, +) / Double(bins) + eps
        var w = [Double](repeating: 0, count: bins * n)
        for k in 0..<n { for f in 0..<bins { w[k * bins + f] = mean[f] + (n > 1 ? scale * abs(generator.nextGaussian()) : 0) + eps } }
        var g = (0..<(n * frames)).map { _ in abs(generator.nextGaussian()) + 0.1 }
        // Λ^(β−2) and Λ^(β−1) without pow() for the supported β.
        let weightOfData: (Double) -> Double
        let weightOfModel: (Double) -> Double
        switch configuration.divergence {
        case .euclidean: weightOfData = { _ in 1 }; weightOfModel = { $0 }
        case .kullbackLeibler: weightOfData = { 1 / $0 }; weightOfModel = { _ in 1 }
        case .betaHalf: weightOfData = { 1 / ($0 * $0.squareRoot()) }; weightOfModel = { 1 / $0.squareRoot() }
        case .itakuraSaito: weightOfData = { 1 / ($0 * $0) }; weightOfModel = { 1 / $0 }
        }
        var model = [Double](repeating: 0, count: bins * frames)
        func updateModel() {
            for t in 0..<frames {
                for f in 0..<bins {
                    var s = 0.0
                    for k in 0..<n { s += w[k * bins + f] * g[t * n + k] }
                    model[t * bins + f] = s + eps
                }
            }
        }
        for _ in 0..<configuration.iterations {
            updateModel()
            // G update.
            for t in 0..<frames {
                for k in 0..<n {
                    var num = 0.0, den = 0.0
                    for f in 0..<bins {
                        let l = model[t * bins + f]
                        num += w[k * bins + f] * weightOfData(l) * x[t * bins + f]
                        den += w[k * bins + f] * weightOfModel(l)
                    }
                    g[t * n + k] *= num / (den + eps)
                }
            }
            updateModel()
            // W update.
            for k in 0..<n {
                for f in 0..<bins {
                    var num = 0.0, den = 0.0
                    for t in 0..<frames {
                        let l = model[t * bins + f]
                        num += g[t * n + k] * weightOfData(l) * x[t * bins + f]
                        den += g[t * n + k] * weightOfModel(l)
                    }
                    w[k * bins + f] *= num / (den + eps)
                }
            }
        }
        // Unit-sum columns, strongest (largest total activation × column sum) first.
        var order = Array(0..<n)
        var energy = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let sum = (0..<bins).reduce(0.0) { $0 + w[k * bins + $1] }
            energy[k] = sum * (0..<frames).reduce(0.0) { $0 + g[$1 * n + k] }
        }
        order.sort { energy[$0] > energy[$1] }
        var out = RealMatrix(rows: bins, columns: n)
        for (column, k) in order.enumerated() {
            let sum = (0..<bins).reduce(0.0) { $0 + w[k * bins + $1] }
            for f in 0..<bins { out[f, column] = Float(sum > 0 ? w[k * bins + f] / sum : 1 / Double(bins)) }
        }
        return out
    }
}
