/// Settings of consistent Wiener filtering (Le Roux & Vincent, "Consistent Wiener filtering for
/// audio source separation", IEEE SPL 2013), run on NMF's Wiener outputs by `SeparationPipeline`.
///
/// The outputs `S_j` `[bins × frames]` minimise
///
///     Σ_j Σ_ft |S_j|² / v_j  +  γ Σ_j ‖S_j − STFT(ISTFT(S_j))‖²    subject to  Σ_j S_j = Y
///
/// where `v_j` is output j's model power. `γ = 0` gives the ordinary Wiener filter; `γ > 0`
/// pulls every output towards a spectrogram that some signal actually has. The problem is solved
/// by preconditioned conjugate gradients started from the Wiener outputs, chunk by chunk (see
/// `chunkFrames`), so memory stays bounded; outputs still sum exactly to the mixture.
public struct ConsistentWienerConfiguration: Sendable, Hashable, Codable {
    /// Most conjugate-gradient iterations per chunk; 0 turns the filtering off (plain Wiener
    /// outputs). Each costs one STFT + inverse STFT of every active output over the chunk and its
    /// margins; see also `transformBudget`. Default 20.
    public var iterations = 20
    /// STFT + inverse STFT pairs of a chunk's window that one solve may spend: a solve with `m`
    /// active outputs runs `min(iterations, max(1, transformBudget / m))` iterations. So two
    /// or three outputs get the full 20 iterations and a solve over many notes costs the same as
    /// ten iterations over four. Default 40.
    public var transformBudget = 40
    /// Consistency weight relative to the model: `γ = relativeWeight / mean(v)`, the mean over
    /// every output, bin and frame of the chunk with its margins (so the weight does not depend
    /// on the signal's level). Default 10.
    public var relativeWeight = 10.0
    /// CG iterations of a solve over `activeOutputs` outputs (see `transformBudget`).
    public func iterations(activeOutputs: Int) -> Int {
        min(iterations, max(1, transformBudget / max(1, activeOutputs)))
    }
    /// Frames whose outputs one solve produces. The chunk grid starts at frame 0 and does not
    /// depend on the pipeline's block size or thread count. Default 64.
    public var chunkFrames = 64
    /// Frames of context solved on each side of a chunk and then discarded (an STFT frame
    /// overlaps `fftSize / hop − 1` neighbours on each side, 3 at the default 75 % overlap).
    /// Default 4.
    public var marginFrames = 4
    /// An output whose model power over a chunk is below this fraction of all outputs' keeps its
    /// Wiener estimate there (it is next to silent; solving for it would cost as much as for a
    /// loud one). Default 1e-4 (−40 dB).
    public var inactiveShare = 1e-4

    /// At most this many outputs, the loudest of the chunk, take part in a solve; the others keep
    /// their Wiener estimate there. Bounds the cost per chunk whatever the basis size (the solver's
    /// passes are memory-bound and each output costs an STFT and inverse STFT per iteration).
    /// Default 8.
    public var maximumActiveOutputs = 8

    /// The defaults.
    public init() {}

    /// Checks every setting, naming the CLI flag of a bad one.
    public func validate() throws {
        guard iterations >= 0 else {
            throw ComplexNMFError.invalidParameter(name: "--consistency-iterations", value: "\(iterations)", expectation: "must be 0 (off) or more")
        }
        guard relativeWeight.isFinite, relativeWeight > 0 else {
            throw ComplexNMFError.invalidParameter(name: "--consistency-weight", value: "\(relativeWeight)", expectation: "must be a finite number above 0")
        }
        guard chunkFrames >= 1 else {
            throw ComplexNMFError.invalidParameter(name: "--consistency-chunk", value: "\(chunkFrames)", expectation: "must be at least 1 frame")
        }
        guard marginFrames >= 0 else {
            throw ComplexNMFError.invalidParameter(name: "consistency margin", value: "\(marginFrames)", expectation: "must be 0 or more frames")
        }
        guard transformBudget >= 1 else {
            throw ComplexNMFError.invalidParameter(name: "consistency transform budget", value: "\(transformBudget)", expectation: "must be at least 1")
        }
        guard maximumActiveOutputs >= 2 else {
            throw ComplexNMFError.invalidParameter(name: "--consistency-outputs", value: "\(maximumActiveOutputs)", expectation: "must be at least 2")
        }
        guard inactiveShare.isFinite, inactiveShare >= 0, inactiveShare < 1 else {
            throw ComplexNMFError.invalidParameter(name: "consistency inactive share", value: "\(inactiveShare)", expectation: "must be in [0, 1)")
        }
    }
}
