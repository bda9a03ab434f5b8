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
    /// Conjugate-gradient iterations per chunk; 0 turns the filtering off (plain Wiener outputs).
    /// Each costs one STFT + inverse STFT of every active output over the chunk and its margins.
    /// Default 10.
    public var iterations = 10
    /// Consistency weight relative to the model: `γ = relativeWeight / mean(v)`, the mean over
    /// every output, bin and frame of the chunk with its margins (so the weight does not depend
    /// on the signal's level). Default 10.
    public var relativeWeight = 10.0
    /// Frames whose outputs one solve produces. The chunk grid starts at frame 0 and does not
    /// depend on the pipeline's block size or thread count. Default 64.
    public var chunkFrames = 64
    /// Frames of context solved on each side of a chunk and then discarded (an STFT frame
    /// overlaps `fftSize / hop − 1` neighbours on each side). Default 8.
    public var marginFrames = 8
    /// An output whose model power over a chunk is below this fraction of all outputs' keeps its
    /// Wiener estimate there (it is next to silent; solving for it would cost as much as for a
    /// loud one). Default 1e-4 (−40 dB).
    public var inactiveShare = 1e-4

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
        guard inactiveShare.isFinite, inactiveShare >= 0, inactiveShare < 1 else {
            throw ComplexNMFError.invalidParameter(name: "consistency inactive share", value: "\(inactiveShare)", expectation: "must be in [0, 1)")
        }
    }
}
