import CFFTW
import Foundation

/// A pair of single-precision FFTW plans (real-to-complex and complex-to-real) of one size.
///
/// Plans are made once per size through `FFTPlan.shared(size:)`; planner calls are serialised
/// by a lock because the FFTW planner is not thread-safe. Execution uses FFTW's new-array
/// execute functions, so one plan serves any number of threads, each with its own buffers
/// from `makeBuffers()`. Plans use `FFTW_ESTIMATE` so the algorithm, and therefore every
/// rounding, is the same on every run.
public final class FFTPlan: @unchecked Sendable {
    /// Transform length in samples.
    public let size: Int
    private let forwardPlan: fftwf_plan
    private let inversePlan: fftwf_plan

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

    /// Must be called with `plannerLock` held.
    private init(size: Int) {
        self.size = size
        let buffers = Buffers(size: size)
        forwardPlan = fftwf_plan_dft_r2c_1d(Int32(size), buffers.real, buffers.complex, UInt32(FFTW_ESTIMATE))
        inversePlan = fftwf_plan_dft_c2r_1d(Int32(size), buffers.complex, buffers.real, UInt32(FFTW_ESTIMATE))
    }

    deinit {
        FFTPlan.plannerLock.lock()
        fftwf_destroy_plan(forwardPlan)
        fftwf_destroy_plan(inversePlan)
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
        fftwf_execute_dft_r2c(forwardPlan, buffers.real, buffers.complex)
    }

    /// `buffers.real ← size · irfft(buffers.complex)` (unnormalised; scale by `1/size` yourself).
    /// The imaginary parts of the DC and Nyquist bins are ignored, as in numpy. Destroys the input.
    public func inverse(_ buffers: Buffers) {
        let c = buffers.complexFloats
        c[1] = 0
        c[2 * (size / 2) + 1] = 0
        fftwf_execute_dft_c2r(inversePlan, buffers.complex, buffers.real)
    }
}
