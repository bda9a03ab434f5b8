/// The figures of a separation (filled in by the Plot module).
enum SeparationPlots {
    static func write(info: SeparationInfo, summary: SeparationSummary, mixture: PooledMagnitudes?, reconstruction: PooledMagnitudes?,
                      activations: PooledMagnitudes?, directory: String) throws {}
}
