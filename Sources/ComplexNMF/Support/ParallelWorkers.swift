import Foundation

/// Wraps a value the compiler cannot prove `Sendable` when the caller guarantees that the
/// threads using it touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

/// Runs `body(worker)` for every `worker` in `0..<workers`, on separate threads when
/// `workers > 1`, and returns when all are done. Callers give each worker disjoint output, so
/// results do not depend on the number of workers.
func runWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 { body(0); return }
    withoutActuallyEscaping(body) { escapable in
        let shared = UncheckedSendable(value: escapable)
        DispatchQueue.concurrentPerform(iterations: workers) { shared.value($0) }
    }
}

/// The number of cores the process may use.
public var availableCoreCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
