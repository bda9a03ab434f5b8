/// Unit-modulus phases `P = exp(jφ)` of every component in every bin and frame,
/// logically `[components K × bins F × frames T]`, in one of two layouts:
///
/// - **per component** (`isSharedAcrossComponents == false`): `values` holds `2·K·F·T` reals,
///   interleaved `(re, im)` in Fortran order: element `(k, f, t)` is at `2 · (k + K · (f + F · t))`,
///   so one bin's components are contiguous and one frame's phases form one contiguous block
///   (frames can be appended, and numpy reads the array with shape `(K, F, T)` from a
///   Fortran-order `.npy`). Memory: `8 · K · F · T` bytes.
/// - **shared** (`isSharedAcrossComponents == true`): every component has the same phase in a
///   given bin and frame (what Complex NMF from the mixture phase gives), and `values` holds
///   that one phase per bin and frame, `2·F·T` reals, `(f, t)` at `2 · (f + F · t)`.
///   Memory: `8 · F · T` bytes.
///
/// `==` compares phases, whatever the layouts; `subscript(k, f, t)` reads either layout, and
/// `expanded()` gives the per-component layout.
public struct PhaseTensor: Sendable {
    /// Components K.
    public let components: Int
    /// Bins F.
    public let bins: Int
    /// Frames T.
    public let frames: Int
    /// Whether one phase per bin and frame stands for every component (the shared layout).
    public let isSharedAcrossComponents: Bool
    /// `2 · K · F · T` interleaved reals (per-component layout) or `2 · F · T` (shared layout).
    public var values: [Float]

    /// All phases set to 1 (phase 0), per-component layout.
    public init(components: Int, bins: Int, frames: Int) {
        self.components = components
        self.bins = bins
        self.frames = frames
        isSharedAcrossComponents = false
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
        isSharedAcrossComponents = false
        self.values = values
    }

    /// One phase per bin and frame shared by all `components` (`sharedValues.count == 2 · F · T`,
    /// `(f, t)` at `2 · (f + F · t)`).
    public init(components: Int, bins: Int, frames: Int, sharedValues: [Float]) {
        precondition(sharedValues.count == 2 * bins * frames, "PhaseTensor: \(sharedValues.count) reals for \(bins)×\(frames) shared phases")
        self.components = components
        self.bins = bins
        self.frames = frames
        isSharedAcrossComponents = true
        values = sharedValues
    }

    /// The phase `(re, im)` of component k in bin f, frame t (either layout).
    public subscript(component: Int, bin: Int, frame: Int) -> (re: Float, im: Float) {
        let i = isSharedAcrossComponents ? 2 * (bin + bins * frame) : 2 * (component + components * (bin + bins * frame))
        return (values[i], values[i + 1])
    }

    /// The same phases in the per-component layout (`self` when already in it).
    public func expanded() -> PhaseTensor {
        guard isSharedAcrossComponents else { return self }
        var dense = [Float](repeating: 0, count: 2 * components * bins * frames)
        dense.withUnsafeMutableBufferPointer { expandShared(cells: 0..<(bins * frames), into: $0) }
        return PhaseTensor(components: components, bins: bins, frames: frames, values: dense)
    }

    /// Writes frame `frame`'s `2·K·F` reals in the per-component layout (component fastest,
    /// then bin) into `out`, from either layout: a copy of the frame's block, or the shared
    /// phase of each bin repeated for every component.
    func writeFrame(_ frame: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let perFrame = 2 * components * bins
        precondition(out.count == perFrame && (0..<frames).contains(frame), "PhaseTensor.writeFrame: frame \(frame), \(out.count) reals")
        guard perFrame > 0, let destination = out.baseAddress else { return }
        if isSharedAcrossComponents {
            expandShared(cells: (frame * bins)..<((frame + 1) * bins), into: out)
        } else {
            values.withUnsafeBufferPointer { source in
                destination.update(from: source.baseAddress! + frame * perFrame, count: perFrame)
            }
        }
    }

    /// Shared layout: writes the per-component layout of the (bin, frame) cells `cells`
    /// (cell `f + F·t`) into `out`, `2·K` reals per cell from the start of `out`.
    private func expandShared(cells: Range<Int>, into out: UnsafeMutableBufferPointer<Float>) {
        for (i, cell) in cells.enumerated() {
            let (re, im) = (values[2 * cell], values[2 * cell + 1])
            for k in 0..<components {
                out[2 * (k + components * i)] = re
                out[2 * (k + components * i) + 1] = im
            }
        }
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

    /// The tensor as a Fortran-order `(K, F, T)` complex `.npy` array (the shared layout expanded).
    public func npyArray(scalarType: NPYScalarType = .complex64) -> NPYArray {
        let dense = expanded().values
        return NPYArray(shape: [components, bins, frames], isFortranOrder: true,
                        values: scalarType == .complex128 ? .complex128(dense.map(Double.init)) : .complex64(dense))
    }
}

extension PhaseTensor {
    /// Writes the tensor as a Fortran-order `(K, F, T)` complex `.npy` (what `npyArray` gives)
    /// frame by frame, so the shared layout is expanded one frame at a time: beyond the tensor
    /// itself this needs `8 · K · F` bytes (or `16 · K · F` for complex128), not `8 · K · F · T`.
    /// The file appears under `path` only when complete (written to a temporary file, renamed).
    /// - Throws: `ComplexNMFError.unwritableFile` with the reason (e.g. a full disk).
    public func write(to path: String, scalarType: NPYScalarType = .complex64) throws {
        let writer = try NPYStreamWriter(path: path, scalarType: scalarType, shape: [components, bins, frames])
        let perFrame = 2 * components * bins
        var frame = [Float](repeating: 0, count: perFrame)
        for t in 0..<frames {
            if isSharedAcrossComponents {
                frame.withUnsafeMutableBufferPointer { expandShared(cells: (bins * t)..<(bins * (t + 1)), into: $0) }
                try writer.append(frame)
            } else {
                try writer.append(Array(values[(perFrame * t)..<(perFrame * (t + 1))]))
            }
        }
        try writer.finish()
    }
}

extension PhaseTensor: Equatable {
    /// Same shape and the same phase for every (component, bin, frame), whatever the layouts.
    public static func == (a: PhaseTensor, b: PhaseTensor) -> Bool {
        guard a.components == b.components && a.bins == b.bins && a.frames == b.frames else { return false }
        if a.isSharedAcrossComponents == b.isSharedAcrossComponents { return a.values == b.values }
        let (shared, dense) = a.isSharedAcrossComponents ? (a, b) : (b, a)
        for cell in 0..<(a.bins * a.frames) {
            for k in 0..<a.components where dense.values[2 * (k + a.components * cell)] != shared.values[2 * cell]
                || dense.values[2 * (k + a.components * cell) + 1] != shared.values[2 * cell + 1] {
                return false
            }
        }
        return true
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
