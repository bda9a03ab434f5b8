import ComplexNMF
import Foundation

/// A one-line progress bar on stderr (iteration, cost, ETA), drawn only when stderr is a
/// terminal and not `--quiet`; otherwise silent.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(label: String, quiet: Bool) {
        self.label = label
        self.enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    /// Redraws at most 10 times per second (and always on the last iteration).
    func update(_ progress: IterationProgress) {
        guard enabled else { return }
        let now = Date()
        let last = progress.iteration >= progress.maximumIterations
        guard last || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let fraction = Double(progress.iteration) / Double(max(1, progress.maximumIterations))
        let width = 30
        let filled = min(width, Int(fraction * Double(width)))
        let elapsed = now.timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  cost %.4e  %.0fs elapsed, ETA %.0fs ",
                          label, bar, progress.iteration, progress.maximumIterations, progress.cost, elapsed, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
