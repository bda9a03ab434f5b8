/// The look shared by all plots: fonts, colours and spacing in pixels, tuned for figures of
/// about 800 × 500 pixels viewed at 100 %.
enum PlotStyle {
    static let title = TextStyle(size: 16, bold: true, color: PlotColor(hex: 0x222222))
    static let panelTitle = TextStyle(size: 14, bold: true, color: PlotColor(hex: 0x222222))
    static let axisTitle = TextStyle(size: 13, color: PlotColor(hex: 0x333333))
    static let tickLabel = TextStyle(size: 11.5, color: PlotColor(hex: 0x4D4D4D))
    /// Superscript exponents of decade labels (10³).
    static let exponent = TextStyle(size: 8.5, color: PlotColor(hex: 0x4D4D4D))
    static let note = TextStyle(size: 14, italic: true, color: PlotColor(hex: 0x8C8C8C))
    static let legend = TextStyle(size: 11.5, color: PlotColor(hex: 0x333333))

    static let frame = PlotColor(hex: 0x595959)
    static let grid = PlotColor(hex: 0xE3E3E3)
    static let minorGrid = PlotColor(hex: 0xF2F2F2)
    /// Image cells with no finite value (NaN).
    static let missing = PlotColor(hex: 0xBFBFBF)

    /// Space between the figure edge and any text.
    static let outerPadding = 12.0
    /// Length of tick marks outside the frame.
    static let tickLength = 5.0
    /// Gap between a tick mark and its label.
    static let tickLabelGap = 4.0
    /// Gap between tick labels and the axis title.
    static let axisTitleGap = 9.0
    /// Gap between the title's baseline and the top of the plot area.
    static let titleGap = 14.0
    /// Curve width.
    static let lineWidth = 2.0
}
