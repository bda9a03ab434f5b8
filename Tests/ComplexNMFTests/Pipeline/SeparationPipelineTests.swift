import Foundation
import Testing
@testable import ComplexNMF

@Suite struct SeparationPipelineTests {
    static let stft = STFTConfiguration(fftSize: 1024, hopLength: 256)

    /// A basis of the piano notes; one column per note unless `columnsPerNote` says otherwise.
    static func basis(notes: [String] = ["C4", "E4", "G4", "C5"], columnsPerNote: Int = 1) throws -> Basis {
        var config = BasisLearningConfiguration()
        config.stft = stft
        config.iterations = 30
        config.componentsPerFile = columnsPerNote
        return try BasisLearner(configuration: config).learn(from: notes.map { TestPaths.fixture("notes/piano/\($0).wav") }).basis
    }

    static func mixture() throws -> AudioSignal { try AudioFile.read(TestPaths.fixture("mixtures/piano_chord/mixture.wav")) }

    func separate(_ signal: AudioSignal, basis: Basis, _ configure: (inout SeparationConfiguration) -> Void = { _ in },
                  groups: OutputGroups? = nil) throws -> MemorySeparationSink {
        var config = SeparationConfiguration()
        config.iterations = 15
        config.consistency.iterations = 3  // the path is exercised; the default's cost is not needed here
        configure(&config)
        let sink = MemorySeparationSink(keepActivations: true)
        _ = try SeparationPipeline(basis: basis, configuration: config, groups: groups).run(signal: signal, sink: sink)
        return sink
    }

    @Test func resultsDoNotDependOnBlockSizeOrThreadCount() throws {
        let basis = try Self.basis(), signal = try Self.mixture()
        for method in SeparationMethod.allCases {
        let reference = try separate(signal, basis: basis) { $0.method = method; $0.blockFrames = 64; $0.threadCount = 1; $0.phaseJitter = 0.2 }
        for (block, threads) in [(1, 2), (7, 2), (1000, 3)] {
            let other = try separate(signal, basis: basis) { $0.method = method; $0.blockFrames = block; $0.threadCount = threads; $0.phaseJitter = 0.2 }
            #expect(other.outputs == reference.outputs, "block \(block), threads \(threads)")
            #expect(other.activations == reference.activations)
            #expect(other.summary!.cost == reference.summary!.cost, "per-frame costs added in frame order")
        }
        }
    }

    @Test(arguments: [(SeparationMethod.complexNMF, ComponentSignal.consistent, SpectrumKind.magnitude), (.nmf, .mask, .magnitude), (.nmf, .mask, .power)])
    func componentsSumToTheInput(method: SeparationMethod, signal kind: ComponentSignal, spectrum: SpectrumKind) throws {
        let signal = try Self.mixture()
        let sink = try separate(signal, basis: try Self.basis()) { $0.method = method; $0.componentSignal = kind; $0.spectrum = spectrum }
        var worst: Float = 0
        for i in 0..<signal.frameCount {
            worst = max(worst, abs(sink.outputs.reduce(0) { $0 + $1.channels[0][i] } - signal.channels[0][i]))
        }
        #expect(worst < 1e-4, "max |Σ components − input| = \(worst)")
        #expect(sink.outputs.allSatisfy { $0.frameCount == signal.frameCount })
    }

    @Test func modelComponentsSumToTheReconstruction() throws {
        let sink = try separate(try Self.mixture(), basis: try Self.basis()) { $0.method = .complexNMF; $0.componentSignal = .model }
        let reconstruction = sink.reconstruction!.channels[0]
        var worst: Float = 0
        for i in 0..<reconstruction.count {
            worst = max(worst, abs(sink.outputs.reduce(0) { $0 + $1.channels[0][i] } - reconstruction[i]))
        }
        #expect(worst < 1e-4)
    }

    @Test func separationFindsTheNotesThatArePlayed() throws {
        // The chord is C4+E4+G4: C5 (absent) must get far less energy than each played note.
        let basis = try Self.basis()
        let sink = try separate(try Self.mixture(), basis: basis) { $0.iterations = 40 }
        let energy = sink.outputs.map { $0.channels[0].reduce(0) { $0 + Double($1) * Double($1) } }
        let absent = energy[basis.labels.firstIndex(of: "C5")!]
        for note in ["C4", "E4", "G4"] { #expect(energy[basis.labels.firstIndex(of: note)!] > 10 * absent, "\(note) vs C5") }
    }

    @Test func consistentWienerFilteringBeatsPlainWienerMasks() throws {
        // The chord's true notes are known: consistency must bring every output closer to its
        // note (plain SNR) than the Wiener masks it starts from.
        let basis = try Self.basis(notes: ["C4", "E4", "G4"]), mixture = try Self.mixture()
        let truth = try ["C4", "E4", "G4"].map { try AudioFile.read(TestPaths.fixture("mixtures/piano_chord/sources/\($0).wav")).channels[0] }
        func snr(_ sink: MemorySeparationSink) -> [Double] {
            zip(sink.outputs, truth).map { output, reference in
                var signal = 0.0, error = 0.0
                for (x, r) in zip(output.channels[0], reference) { signal += Double(r) * Double(r); error += Double(x - r) * Double(x - r) }
                return 10 * log10(signal / error)
            }
        }
        let wiener = snr(try separate(mixture, basis: basis) { $0.iterations = 40; $0.consistency.iterations = 0 })
        let consistent = snr(try separate(mixture, basis: basis) { $0.iterations = 40; $0.consistency = ConsistentWienerConfiguration() })
        for (note, (plain, refined)) in zip(["C4", "E4", "G4"], zip(wiener, consistent)) {
            #expect(refined > plain + 0.1, "\(note): \(refined) dB consistent vs \(plain) dB Wiener")
        }
        let gain = zip(consistent, wiener).map { $0 - $1 }.reduce(0, +) / 3
        #expect(gain > 0.3, "mean gain \(gain) dB (\(consistent) vs \(wiener))")
    }

    @Test func groupsSumTheirComponents() throws {
        let basis = try Self.basis(), signal = try Self.mixture()
        let groups = try OutputGroups(groups: ["low": ["C4", "E4"], "high": ["G4"]], labels: basis.labels)
        #expect(groups.names == ["high", "low", "other"])
        // Wiener masks are linear in the components: a group's output is its notes' outputs summed.
        let grouped = try separate(signal, basis: basis, { $0.consistency.iterations = 0 }, groups: groups)
        let single = try separate(signal, basis: basis) { $0.consistency.iterations = 0 }
        let low = (0..<signal.frameCount).map { single.outputs[0].channels[0][$0] + single.outputs[1].channels[0][$0] }
        let worst = zip(grouped.outputs[1].channels[0], low).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5)
        // Consistent Wiener filtering works on the groups themselves; they still sum to the input.
        let consistent = try separate(signal, basis: basis, groups: groups)
        let sumError = (0..<signal.frameCount).map { i in abs(consistent.outputs.reduce(0) { $0 + $1.channels[0][i] } - signal.channels[0][i]) }.max()!
        #expect(sumError < 1e-4)
        #expect(consistent.outputs[1] != grouped.outputs[1])
        #expect(throws: ComplexNMFError.self) { try OutputGroups(groups: ["x": ["D7"]], labels: basis.labels) }
        #expect(throws: ComplexNMFError.self) { try OutputGroups(groups: ["x": ["C4"], "y": ["C4"]], labels: basis.labels) }
    }

    @Test func stereoKeepsChannelsAndMonoDownmixes() throws {
        let basis = try Self.basis()
        let mono = try Self.mixture()
        let stereo = AudioSignal(sampleRate: mono.sampleRate, channels: [mono.channels[0], mono.channels[0].map { $0 * 0.5 }])
        let both = try separate(stereo, basis: basis)
        #expect(both.outputs.allSatisfy { $0.channelCount == 2 })
        let alone = try separate(mono, basis: basis)
        #expect(both.outputs[0].channels[0] == alone.outputs[0].channels[0], "channel 0 is separated exactly as a mono input")
        let downmixed = try separate(stereo, basis: basis) { $0.mono = true }
        #expect(downmixed.outputs.allSatisfy { $0.channelCount == 1 })
    }

    @Test func fileSinkWritesEveryOutputAndNothingElse() throws {
        let basis = try Self.basis(), dir = TestPaths.temporaryDirectory()
        let input = "\(dir)/in.wav"
        try AudioFile.write(try Self.mixture(), to: input, encoding: .float32)
        let out = "\(dir)/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var config = SeparationConfiguration()
        config.iterations = 10
        config.method = .complexNMF
        let sink = FileSeparationSink(directory: out, encoding: .float32, savePhase: true, inputDescription: input)
        _ = try SeparationPipeline(basis: basis, configuration: config).run(inputPath: input, sink: sink)
        #expect(Set(TestPaths.contents(of: out)) == Set(FileSeparationSink.fileNames(outputNames: basis.labels, savePhase: true)))
        // The streamed spectrogram is the STFT of the input; shapes follow the notation.
        let y = try NPYArray.read(contentsOf: "\(out)/spectrogram.npy")
        let expected = try ShortTimeFourierTransform(configuration: Self.stft).forward(try Self.mixture().channels[0])
        #expect(try y.complexMatrices(path: "y")[0] == expected)
        let frames = expected.columns
        #expect(try NPYArray.read(contentsOf: "\(out)/activation_calc.npy").shape == [4, frames])
        #expect(try NPYArray.read(contentsOf: "\(out)/phase_calc.npy").shape == [4, Self.stft.binCount, frames])
        #expect(try NPYArray.read(contentsOf: "\(out)/cost.npy").shape == [10])
        // Files written through the sink equal the in-memory components.
        let memory = try separate(try Self.mixture(), basis: basis) { $0.iterations = 10; $0.method = .complexNMF }
        #expect(try AudioFile.read("\(out)/C4.wav").channels[0] == memory.outputs[0].channels[0])
    }

    @Test func inputAtAnotherRateIsResampledToTheBasisRate() throws {
        let basis = try Self.basis(), dir = TestPaths.temporaryDirectory()
        let mixture = try Self.mixture()
        let resampler = try Resampler(inputRate: 22_050, outputRate: 44_100, channelCount: 1)
        let upsampled = resampler.process(mixture.channels)[0] + resampler.finish()[0]
        try AudioFile.write(AudioSignal(sampleRate: 44_100, channels: [upsampled]), to: "\(dir)/in44.wav", encoding: .float32)
        var notes: [String] = []
        let sink = MemorySeparationSink()
        _ = try SeparationPipeline(basis: basis, configuration: { var c = SeparationConfiguration(); c.iterations = 5; return c }())
            .run(inputPath: "\(dir)/in44.wav", sink: sink, notes: { notes.append($0) })
        #expect(sink.info!.sampleRate == 22_050)
        #expect(abs(sink.outputs[0].frameCount - mixture.frameCount) <= 1)
        #expect(notes.contains { $0.contains("resampling") })
    }

    @Test func emptyAudioIsRefused() throws {
        let dir = TestPaths.temporaryDirectory()
        try AudioFile.write(AudioSignal(sampleRate: 22_050, channels: [[]]), to: "\(dir)/empty.wav")
        #expect(throws: ComplexNMFError.self) {
            _ = try SeparationPipeline(basis: try Self.basis()).run(inputPath: "\(dir)/empty.wav", sink: MemorySeparationSink())
        }
    }

    @Test func silenceSeparatesIntoSilenceWithoutNaN() throws {
        let sink = try separate(AudioSignal(sampleRate: 22_050, channels: [[Float](repeating: 0, count: 5_000)]), basis: try Self.basis())
        #expect(sink.outputs.allSatisfy { $0.channels[0].allSatisfy { $0 == 0 } })
        #expect(sink.summary!.cost.allSatisfy { $0.isFinite })
    }

    @Test func audioShorterThanTheFFTWorks() throws {
        let sink = try separate(AudioSignal(sampleRate: 22_050, channels: [testNoise(count: 300, seed: 1)]), basis: try Self.basis())
        #expect(sink.outputs.allSatisfy { $0.frameCount == 300 && $0.channels[0].allSatisfy { $0.isFinite } })
    }

    @Test func basisSidecarRoundTripsAndIsChecked() throws {
        let basis = try Self.basis(), dir = TestPaths.temporaryDirectory()
        try basis.write(to: "\(dir)/basis.npy")
        let (read, note) = try Basis.read(contentsOf: "\(dir)/basis.npy")
        #expect(note == nil && read == basis)
        // A sidecar whose n_fft does not fit the array is refused, naming both numbers.
        var wrong = basis.sidecar
        wrong.fftSize = 2048
        try wrong.write(forArray: "\(dir)/basis.npy")
        do {
            _ = try Basis.read(contentsOf: "\(dir)/basis.npy")
            Issue.record("mismatched sidecar accepted")
        } catch let error as ComplexNMFError {
            #expect(error.description.contains("1025") && error.description.contains("513"), "\(error)")
        }
        // Without a sidecar a 513-bin basis does not fit the default n_fft 2048.
        try FileManager.default.removeItem(atPath: "\(dir)/basis.json")
        #expect(throws: ComplexNMFError.self) { try Basis.read(contentsOf: "\(dir)/basis.npy") }
    }

    @Test func separationDefaultsAreTheReadmes() {
        let config = SeparationConfiguration()
        #expect(config.method == .nmf && config.divergence == .betaHalf && config.spectrum == .power)
        #expect(config.effectiveComponentSignal == .mask && config.componentSignal == .consistent)
        #expect(config.iterations == 100 && config.blockFrames == 64 && config.seed == 0 && !config.mono)
        #expect(config.sparsity == 1.2 && config.lambda == nil && config.phaseJitter == 0)
        #expect(config.consistency.iterations == 20 && config.consistency.transformBudget == 40 && config.consistency.relativeWeight == 10)
        #expect(config.consistency.chunkFrames == 64 && config.consistency.marginFrames == 4)
        #expect(config.consistency.maximumActiveOutputs == 8 && config.consistency.inactiveShare == 1e-4)
        #expect(config.effectiveConsistencyIterations == 20)
    }

    @Test func collidingFileNamesGetDistinctLabelsAndOutputs() throws {
        #expect(BasisLearner.uniqueNames(for: ["a/piano/C5.wav", "b/flute/C5.wav", "x/C4.wav"]) == ["piano_C5", "flute_C5", "C4"])
        #expect(BasisLearner.uniqueNames(for: ["p/C5.wav", "p/C5.flac"]) == ["p_C5", "p_C5_2"])
        #expect(OutputGroups(labels: ["C4", "C4", "E4"]).names == ["C4", "C4_2", "E4"])
    }

    @Test func severalColumnsPerNoteGiveOneOutputPerNote() throws {
        let basis = try Self.basis(columnsPerNote: 3), signal = try Self.mixture()
        #expect(basis.componentCount == 12)
        let sink = try separate(signal, basis: basis) { $0.iterations = 40 }
        #expect(sink.outputs.count == 4)
        let energy = sink.outputs.map { $0.channels[0].reduce(0) { $0 + Double($1) * Double($1) } }
        for note in 0..<3 { #expect(energy[note] > 10 * energy[3], "note \(note) vs the absent C5") }
        var worst: Float = 0
        for i in 0..<signal.frameCount {
            worst = max(worst, abs(sink.outputs.reduce(0) { $0 + $1.channels[0][i] } - signal.channels[0][i]))
        }
        #expect(worst < 1e-4)
    }

    @Test func extraColumnsOfANoteShareItsOutput() {
        let groups = OutputGroups(labels: ["C4", "C4#2", "C4#3", "E4", "E4#2", "X#1", "G4#", "A#4"])
        #expect(groups.names == ["C4", "E4", "X#1", "G4#", "A#4"])
        #expect(groups.outputOfComponent == [0, 0, 0, 1, 1, 2, 3, 4])
    }

    @Test func learnedBasisColumnsHaveUnitSumAndLabels() throws {
        var config = BasisLearningConfiguration()
        config.stft = Self.stft
        config.iterations = 20
        config.componentsPerFile = 2
        let (basis, _) = try BasisLearner(configuration: config).learn(from: [TestPaths.fixture("notes/piano/C4.wav"), TestPaths.fixture("notes/flute/C5.wav")])
        #expect(basis.labels == ["C4", "C4#2", "C5", "C5#2"])
        for k in 0..<basis.componentCount {
            let sum = basis.templates.column(k).reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
    }
}
