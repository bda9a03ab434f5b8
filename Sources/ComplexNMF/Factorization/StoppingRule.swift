/// When an iterative factorisation stops.
///
/// It always stops after `maximumIterations`. It stops earlier when `costThreshold` is set and
/// the cost has fallen below it after at least `minimumIterationsForThreshold` iterations (the
/// predecessor's `--thr`), or when `relativeTolerance` is set and one iteration lowered the cost
/// by less than that fraction of the previous iteration's cost (`--tol`; compares consecutive
/// entries of the cost history, so it can stop after iteration 2 at the earliest).
public struct StoppingRule: Sendable, Hashable, Codable {
    /// Upper bound on iterations (the predecessor's positional ITERATIONS). Default 100.
    public var maximumIterations: Int = 100
    /// Stop once cost < this value (after `minimumIterationsForThreshold`). Default: off.
    public var costThreshold: Double? = nil
    /// Iterations always run before `costThreshold` may stop the loop. Default 20.
    public var minimumIterationsForThreshold: Int = 20
    /// Stop when (previous − current) / previous < this value. Default: off.
    public var relativeTolerance: Double? = nil

    /// The default rule: 100 iterations, no early stop.
    public init() {}

    /// A rule with the given bounds.
    public init(maximumIterations: Int, costThreshold: Double? = nil, relativeTolerance: Double? = nil) {
        self.maximumIterations = maximumIterations
        self.costThreshold = costThreshold
        self.relativeTolerance = relativeTolerance
    }

    /// Whether to stop after `costs.count` iterations (`costs[i]` = cost after iteration i + 1).
    public func shouldStop(costs: [Double]) -> Bool {
        guard let current = costs.last else { return maximumIterations <= 0 }
        if costs.count >= maximumIterations { return true }
        if let costThreshold, costs.count >= minimumIterationsForThreshold, current < costThreshold { return true }
        if let relativeTolerance, costs.count >= 2 {
            let previous = costs[costs.count - 2]
            if previous <= 0 || (previous - current) / previous < relativeTolerance { return true }
        }
        return false
    }

    /// Checks the values: at least one iteration, finite non-negative threshold/tolerance.
    public func validate() throws {
        guard maximumIterations >= 1 else {
            throw ComplexNMFError.invalidParameter(name: "iterations", value: "\(maximumIterations)", expectation: "must be at least 1")
        }
        if let costThreshold, !(costThreshold.isFinite && costThreshold >= 0) {
            throw ComplexNMFError.invalidParameter(name: "--thr", value: "\(costThreshold)", expectation: "must be a finite cost ≥ 0")
        }
        if let relativeTolerance, !(relativeTolerance.isFinite && relativeTolerance >= 0) {
            throw ComplexNMFError.invalidParameter(name: "--tol", value: "\(relativeTolerance)", expectation: "must be a finite fraction ≥ 0 (e.g. 1e-4)")
        }
    }
}

/// Progress of an iterative factorisation, reported after every iteration.
public struct IterationProgress: Sendable {
    /// Iterations done so far (1-based).
    public var iteration: Int
    /// The maximum number of iterations.
    public var maximumIterations: Int
    /// The cost after this iteration.
    public var cost: Double

    /// A progress report.
    public init(iteration: Int, maximumIterations: Int, cost: Double) {
        self.iteration = iteration
        self.maximumIterations = maximumIterations
        self.cost = cost
    }
}
