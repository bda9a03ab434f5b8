/// Unit-modulus phases `P = exp(jφ)` of every component in every bin and frame,
/// logically `[components K × bins F × frames T]`.
///
/// Stored interleaved `(re, im)` in Fortran order: element `(k, f, t)` is at
/// `2 · (k + K · (f + F · t))`, so one bin's components are contiguous and one frame's phases
/// form one contiguous block (frames can be appended, and numpy reads the array with shape
/// `(K, F, T)` from a Fortran-order `.npy`). Memory: `8 · K · F · T` bytes.
public struct PhaseTensor: Equatable, Sendable {
    /// Components K.
    public let components: Int
    /// Bins F.
    public let bins: Int
    /// Frames T.
    public let frames: Int
    /// `2 · K · F · T` interleaved reals.
    public var values: [Float]

    /// All phases set to 1 (phase 0).
    public init(components: Int, bins: Int, frames: Int) {
        self.components = components
        self.bins = bins
        self.frames = frames
        var values = [Float](repeating: 0, count: 2 * components * bins * frames)
        for i in stride(from: 0, to: values.count, by: 2) { values[i] = 1 }
        self.values = values
    }

    /// Phases from interleaved Fortran-order values (`values.count == 2 · K · F · T`).
    public init(components: Int, bins: Int, frames: Int, values: [Float]) {
        precondition(values.count == 2 * components * bins * frames, "PhaseTensor: \(values.count) reals for \(components)×\(bins)×\(frames)")
        self.components = components
        self.bins = bins
        self.frames = frames
        self.values = values
    }

    /// Every component's phase set to the mixture's, `Y / |Y|`, and to 1 where `|Y| = 0`
    /// (the paper's and the predecessor's initialisation).
    public init(mixturePhasesOf spectrogram: ComplexMatrix, components: Int) {
        self.init(components: components, bins: spectrogram.rows, frames: spectrogram.columns)
        for t in 0..<frames {
            for f in 0..<bins {
                let re = Double(spectrogram.real(f, t)), im = Double(spectrogram.imaginary(f, t))
                let magnitude = (re * re + im * im).squareRoot()
                guard magnitude > 0 else { continue }
                let (c, s) = (Float(re / magnitude), Float(im / magnitude))
                for k in 0..<components {
                    let i = 2 * (k + components * (f + bins * t))
                    values[i] = c
                    values[i + 1] = s
                }
            }
        }
    }

    /// The tensor as a Fortran-order `(K, F, T)` complex `.npy` array.
    public func npyArray(scalarType: NPYScalarType = .complex64) -> NPYArray {
        NPYArray(shape: [components, bins, frames], isFortranOrder: true,
                 values: scalarType == .complex128 ? .complex128(values.map(Double.init)) : .complex64(values))
    }
}

extension PhaseTensor {
    /// Reads phases from a complex `.npy` of shape `(K, F, T)` (any order), normalising every
    /// element to unit modulus (phase 0 where it is 0).
    /// - Throws: `ComplexNMFError` when the shape differs from `(components, bins, frames)`,
    ///   the array is real, or it holds NaN/Inf.
    public static func read(contentsOf path: String, components: Int, bins: Int, frames: Int) throws -> PhaseTensor {
        let array = try NPYArray.read(contentsOf: path)
        guard array.shape == [components, bins, frames] else {
            throw ComplexNMFError.shapeMismatch(what: "initial phases '\(path)'", expected: "(\(components), \(bins), \(frames)) (components, bins, frames)", actual: "\(array.shape)", hint: "")
        }
        guard array.scalarType.isComplex else {
            throw ComplexNMFError.invalidContent(path: path, reason: "initial phases must be complex, not \(array.scalarType.rawValue)")
        }
        let pairs = array.complexValuesInCOrder()
        var tensor = PhaseTensor(components: components, bins: bins, frames: frames)
        for k in 0..<components {
            for f in 0..<bins {
                for t in 0..<frames {
                    let (re, im) = pairs[(k * bins + f) * frames + t]
                    guard re.isFinite, im.isFinite else {
                        throw ComplexNMFError.invalidContent(path: path, reason: "phase [\(k), \(f), \(t)] is not finite")
                    }
                    let magnitude = (re * re + im * im).squareRoot()
                    let i = 2 * (k + components * (f + bins * t))
                    tensor.values[i] = magnitude > 0 ? Float(re / magnitude) : 1
                    tensor.values[i + 1] = magnitude > 0 ? Float(im / magnitude) : 0
                }
            }
        }
        return tensor
    }
}
