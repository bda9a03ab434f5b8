/// One image of a `HeatmapPlot`: a `[rows × columns]` matrix drawn with row 0 at the bottom and
/// column 0 at the left, e.g. a magnitude spectrogram `[bins × frames]` or activations
/// `[components × frames]` (a piano roll when the rows are notes).
public struct HeatmapPanel: Sendable, Equatable {
    /// What the rows of the matrix are, which sets the y axis.
    public enum RowAxis: Sendable, Equatable {
        /// Row `r` is the frequency `r · hertzPerRow` Hz (an STFT bin: `hertzPerRow` =
        /// sample rate / fftSize). The axis is in Hz, or in kHz when it reaches 2 kHz.
        case frequency(hertzPerRow: Double)
        /// One label per row, bottom row first (e.g. note names "C4", "E4" of activations);
        /// labels are thinned out when the rows are too dense to label each. `title` names the
        /// axis ("note").
        case labels([String], title: String = "")
        /// Rows numbered 0, 1, … with an axis title (e.g. "component").
        case index(title: String)
    }

    /// How matrix values become colours.
    public enum ValueScale: Sendable, Equatable {
        /// Values as they are; the colours span the smallest to the largest finite value.
        case linear
        /// Values are amplitudes (magnitudes): shown as 20·log₁₀(v / max) dB, so the loudest
        /// cell is 0 dB, clipped to the top `range` dB (librosa
        /// `amplitude_to_db(S, ref=np.max, top_db=range)`). Zeros and negatives show as −`range`.
        case amplitudeDecibels(range: Double = 80)
        /// Values are already in dB (or another log unit): clipped to [max − `range`, max].
        case decibels(range: Double = 80)
    }

    /// The panel title, drawn above the image ("mixture", "reconstruction").
    public var title: String
    /// The matrix `[rows × columns]`. NaN cells are drawn grey; +∞ is ignored.
    public var values: RealMatrix
    /// Duration of one column in seconds (an STFT frame: hopLength / sampleRate, times the
    /// frames pooled per column); the x axis is time in seconds from 0 to `columns × this`.
    public var secondsPerColumn: Double
    /// The meaning of the rows (y axis).
    public var rowAxis: RowAxis
    /// The value-to-colour mapping (default `.linear`).
    public var valueScale: ValueScale
    /// The colour map (default `.magma`).
    public var colorMap: ColorMap
    /// The colour-bar title; nil gives "dB" for the decibel scales and none for `.linear`.
    public var unitLabel: String?

    /// A panel showing `values` `[rows × columns]`.
    public init(title: String, values: RealMatrix, secondsPerColumn: Double, rowAxis: RowAxis,
                valueScale: ValueScale = .linear, colorMap: ColorMap = .magma, unitLabel: String? = nil) {
        self.title = title
        self.values = values
        self.secondsPerColumn = secondsPerColumn
        self.rowAxis = rowAxis
        self.valueScale = valueScale
        self.colorMap = colorMap
        self.unitLabel = unitLabel
    }

    /// The colour-bar title actually shown.
    var resolvedUnitLabel: String {
        if let unitLabel { return unitLabel }
        switch valueScale {
        case .linear: return ""
        case .amplitudeDecibels, .decibels: return "dB"
        }
    }

    /// Checks the parameters that have a domain; throws `invalidParameter` / `shapeMismatch`.
    func validate() throws {
        guard secondsPerColumn.isFinite, secondsPerColumn > 0 else {
            throw ComplexNMFError.invalidParameter(name: "secondsPerColumn of panel '\(title)'", value: "\(secondsPerColumn)",
                                                   expectation: "must be a positive number of seconds")
        }
        switch rowAxis {
        case let .frequency(hertzPerRow) where !(hertzPerRow.isFinite && hertzPerRow > 0):
            throw ComplexNMFError.invalidParameter(name: "hertzPerRow of panel '\(title)'", value: "\(hertzPerRow)",
                                                   expectation: "must be a positive frequency step (sample rate / fftSize)")
        case let .labels(labels, _) where labels.count != values.rows:
            throw ComplexNMFError.shapeMismatch(what: "row labels of panel '\(title)'", expected: "\(values.rows) labels (one per row)",
                                                actual: "\(labels.count)", hint: "")
        default: break
        }
        switch valueScale {
        case let .amplitudeDecibels(range), let .decibels(range):
            guard range.isFinite, range > 0 else {
                throw ComplexNMFError.invalidParameter(name: "dB range of panel '\(title)'", value: "\(range)",
                                                       expectation: "must be a positive number of dB, e.g. 80")
            }
        case .linear: break
        }
    }
}
