import ComplexNMF

/// TEMPORARY until the Plot module lands.
enum LearningCurve {
    static func write(cost: [Double], method: String, costName: String, to path: String) throws {}
}
