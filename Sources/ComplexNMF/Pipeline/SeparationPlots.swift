import Foundation

/// The figures of a separation: `learning_curve.png` (cost per iteration), `spectrograms.png`
/// (mixture above reconstruction, dB, time in seconds and frequency in Hz) and `activations.png`
/// (activations over time per label, like a piano roll).
enum SeparationPlots {
    static func write(info: SeparationInfo, summary: SeparationSummary, mixture: PooledMagnitudes?, reconstruction: PooledMagnitudes?,
                      activations: PooledMagnitudes?, directory: String) throws {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let method = info.configuration.method == .complexNMF
            ? "Complex NMF (p = \(info.configuration.sparsity))" : "NMF (\(info.configuration.divergence.rawValue))"
        let costName = info.configuration.method == .complexNMF ? "Σ|Y − F|² + 2λΣU^p" : info.configuration.divergence.costName
        try LinePlot.learningCurve(cost: summary.cost, method: method, costName: costName).render(to: path("learning_curve.png"))
        let secondsPerFrame = Double(info.stft.hopLength) / Double(info.sampleRate)
        let hertzPerBin = Double(info.sampleRate) / Double(info.stft.fftSize)
        if let mixture, let reconstruction {
            try HeatmapPlot.render(panels: [
                HeatmapPanel(title: "mixture", values: mixture.image, secondsPerColumn: secondsPerFrame * Double(mixture.framesPerColumn),
                             rowAxis: .frequency(hertzPerRow: hertzPerBin), valueScale: .amplitudeDecibels(range: 80), unitLabel: "dB"),
                HeatmapPanel(title: "reconstruction", values: reconstruction.image, secondsPerColumn: secondsPerFrame * Double(reconstruction.framesPerColumn),
                             rowAxis: .frequency(hertzPerRow: hertzPerBin), valueScale: .amplitudeDecibels(range: 80), unitLabel: "dB"),
            ], to: path("spectrograms.png"))
        }
        if let activations {
            try HeatmapPlot.render(panels: [
                HeatmapPanel(title: "activations", values: activations.image, secondsPerColumn: secondsPerFrame * Double(activations.framesPerColumn),
                             rowAxis: .labels(info.labels, title: "component"), valueScale: .linear, colorMap: .viridis, unitLabel: "activation"),
            ], to: path("activations.png"))
        }
    }
}
