// libFuzzer target: `SpectrogramFile` (the direct complex64 .npy frame reader behind `cnmf resynth`)
// must refuse any file with a ComplexNMFError, never crash. Each input is written to a temporary
// file, opened and, when it has the default STFT's 1025 bins and few frames, inverted.
// Built and run by scripts/fuzz.sh.
import ComplexNMF
import FuzzSupport
import Foundation

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-spectrogram-file-\(getpid()).npy").path
let transform = try! ShortTimeFourierTransform(configuration: STFTConfiguration())

func fuzzSpectrogramFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size)) else { return 0 }
    if let file = try? SpectrogramFile(path: scratch), file.binCount == transform.configuration.binCount,
       file.frameCount * file.channelCount < 64 {
        _ = try? transform.inverse(file, length: 512 * file.frameCount, threadCount: 2)
    }
    return 0
}

exit(runFuzzer { data, size in fuzzSpectrogramFile(data, size) })
