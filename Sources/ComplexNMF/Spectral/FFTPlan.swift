import CFFTW
import Foundation

/// A pair of single-precision FFTW plans (real-to-complex and complex-to-real) of one size.
///
/// Plans are made once per size through `FFTPlan.shared(size:)`, each direction on its first
/// use (a process that only analyses never pays for the inverse plan, ~1.5 ms at 2048);
/// planner calls are serialised by a lock because the FFTW planner is not thread-safe.
/// Execution uses FFTW's new-array execute functions, so one plan serves any number of
/// threads, each with its own buffers from `makeBuffers()` (which also remember the plan, so
/// execution takes no lock). The algorithm, and therefore every rounding, is the same on every
/// run: a size with shipped wisdom (`FFTWisdom`, the powers of two) gets the FFTW_PATIENT plan
/// that wisdom records (1.1–1.9× faster per transform than FFTW_ESTIMATE's in two runs of the
/// generator), planned with `FFTW_WISDOM_ONLY`, which times nothing; any other size, or another
/// FFTW library, gets FFTW_ESTIMATE. (Planning with FFTW_MEASURE or FFTW_PATIENT at run time picks the algorithm
/// by timing, so two runs could differ.)
public final class FFTPlan: @unchecked Sendable {
    /// Where a plan came from.
    public enum Source: String, Sendable {
        /// The FFTW_PATIENT plan recorded in the package's shipped wisdom.
        case shippedWisdom = "shipped-wisdom"
        /// FFTW_ESTIMATE (no shipped wisdom for the size, another FFTW library, or shipped
        /// wisdom turned off with `usesShippedWisdom`).
        case estimate
    }

    /// Transform length in samples.
    public let size: Int
    /// Created on first use, guarded by `plannerLock`.
    private var forwardPlan: fftwf_plan?
    private var inversePlan: fftwf_plan?
    private var forwardSource = Source.estimate
    private var inverseSource = Source.estimate

    private static let plannerLock = NSLock()
    nonisolated(unsafe) private static var cache: [Int: FFTPlan] = [:]

    /// The plan for `size`, created on first use and reused afterwards.
    public static func shared(size: Int) -> FFTPlan {
        plannerLock.lock()
        defer { plannerLock.unlock() }
        if let plan = cache[size] { return plan }
        let plan = FFTPlan(size: size)
        cache[size] = plan
        return plan
    }

    private init(size: Int) {
        self.size = size
    }

    /// The plan of one direction, made on first use (FFTW-aligned scratch arrays, so any
    /// buffers from `makeBuffers()` have the alignment it was made for): from the shipped
    /// wisdom where there is some for this size and library, else FFTW_ESTIMATE.
    private func plan(inverse: Bool) -> fftwf_plan {
        FFTPlan.plannerLock.lock()
        defer { FFTPlan.plannerLock.unlock() }
        if inverse, let inversePlan { return inversePlan }
        if !inverse, let forwardPlan { return forwardPlan }
        let scratch = Buffers(size: size)
        func make(_ flags: UInt32) -> fftwf_plan? {
            inverse ? fftwf_plan_dft_c2r_1d(Int32(size), scratch.complex, scratch.real, flags)
                : fftwf_plan_dft_r2c_1d(Int32(size), scratch.real, scratch.complex, flags)
        }
        var source = Source.shippedWisdom
        var made: fftwf_plan?
        if FFTPlan.usesShippedWisdom && FFTWisdom.importShipped(size: size) {
            made = make(FFTW_PATIENT | FFTW_WISDOM_ONLY)
        }
        if made == nil {
            source = .estimate
            made = make(FFTW_ESTIMATE)
        }
        guard let made else { preconditionFailure("FFTW could not plan a transform of \(size) points") }
        if inverse {
            inversePlan = made
            inverseSource = source
        } else {
            forwardPlan = made
            forwardSource = source
        }
        return made
    }

    /// Where the plan of one direction comes from (making the plan if it is not made yet).
    public func source(inverse: Bool) -> Source {
        _ = plan(inverse: inverse)
        FFTPlan.plannerLock.lock()
        defer { FFTPlan.plannerLock.unlock() }
        return inverse ? inverseSource : forwardSource
    }

    deinit {
        FFTPlan.plannerLock.lock()
        if let forwardPlan { fftwf_destroy_plan(forwardPlan) }
        if let inversePlan { fftwf_destroy_plan(inversePlan) }
        FFTPlan.plannerLock.unlock()
    }

    /// FFTW-aligned scratch buffers for one thread: `size` reals and `size / 2 + 1` complex values.
    public final class Buffers: @unchecked Sendable {
        /// `size` real samples.
        public let real: UnsafeMutablePointer<Float>
        /// `size / 2 + 1` complex bins (FFTW's interleaved `fftwf_complex`).
        public let complex: UnsafeMutablePointer<fftwf_complex>
        /// The same bins seen as `2 × (size / 2 + 1)` interleaved Floats.
        public var complexFloats: UnsafeMutablePointer<Float> {
            UnsafeMutableRawPointer(complex).assumingMemoryBound(to: Float.self)
        }
        /// The plans, remembered on first use so that execution takes no lock.
        fileprivate var forwardPlan: fftwf_plan?
        fileprivate var inversePlan: fftwf_plan?
        init(size: Int) {
            real = fftwf_alloc_real(size)!
            complex = fftwf_alloc_complex(size / 2 + 1)!
            real.initialize(repeating: 0, count: size)
            UnsafeMutableRawPointer(complex).assumingMemoryBound(to: Float.self).initialize(repeating: 0, count: size + 2)
        }
        deinit {
            fftwf_free(real)
            fftwf_free(complex)
        }
    }

    /// Fresh scratch buffers for one thread.
    public func makeBuffers() -> Buffers { Buffers(size: size) }

    /// `buffers.complex ← rfft(buffers.real)`, unnormalised (numpy `rfft`).
    public func forward(_ buffers: Buffers) {
        if buffers.forwardPlan == nil { buffers.forwardPlan = plan(inverse: false) }
        fftwf_execute_dft_r2c(buffers.forwardPlan, buffers.real, buffers.complex)
    }

    /// `buffers.real ← size · irfft(buffers.complex)` (unnormalised; scale by `1/size` yourself).
    /// The imaginary parts of the DC and Nyquist bins are ignored, as in numpy. Destroys the input.
    public func inverse(_ buffers: Buffers) {
        let c = buffers.complexFloats
        c[1] = 0
        c[2 * (size / 2) + 1] = 0
        if buffers.inversePlan == nil { buffers.inversePlan = plan(inverse: true) }
        fftwf_execute_dft_c2r(buffers.inversePlan, buffers.complex, buffers.real)
    }
}
