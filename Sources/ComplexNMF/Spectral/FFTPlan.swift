import CFFTW
import Foundation

/// A pair of single-precision FFTW plans (real-to-complex and complex-to-real) of one size.
///
/// Plans are made once per size through `FFTPlan.shared(size:)`, each direction on its first
/// use (a process that only analyses never pays for the inverse plan, ~1.5 ms at 2048);
/// planner calls are serialised by a lock because the FFTW planner is not thread-safe.
/// Execution uses FFTW's new-array execute functions, so one plan serves any number of
/// threads, each with its own buffers from `makeBuffers()` (which also remember the plan, so
/// execution takes no lock). Plans use `FFTW_ESTIMATE` so the algorithm, and therefore every
/// rounding, is the same on every run (`FFTW_MEASURE` is ~25% faster per transform at 2048
/// but picks its algorithm by timing, so results could differ between runs).
public final class FFTPlan: @unchecked Sendable {
    /// Transform length in samples.
    public let size: Int
    /// Created on first use, guarded by `plannerLock`.
    private var forwardPlan: fftwf_plan?
    private var inversePlan: fftwf_plan?

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
    /// buffers from `makeBuffers()` have the alignment it was made for).
    private func plan(inverse: Bool) -> fftwf_plan {
        FFTPlan.plannerLock.lock()
        defer { FFTPlan.plannerLock.unlock() }
        if inverse, let inversePlan { return inversePlan }
        if !inverse, let forwardPlan { return forwardPlan }
        let scratch = Buffers(size: size)
        if inverse {
            let made = fftwf_plan_dft_c2r_1d(Int32(size), scratch.complex, scratch.real, UInt32(FFTW_ESTIMATE))!
            inversePlan = made
            return made
        }
        let made = fftwf_plan_dft_r2c_1d(Int32(size), scratch.real, scratch.complex, UInt32(FFTW_ESTIMATE))!
        forwardPlan = made
        return made
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
