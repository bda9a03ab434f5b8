// libFuzzer target: decoding arbitrary bytes through libsndfile (WAV, FLAC, OGG, AIFF, …) must
// give samples or a ComplexNMFError, never a crash. The bytes go through a file in /dev/shm
// because the reader takes paths. Built and run by scripts/fuzz.sh.
import ComplexNMF
import FuzzSupport
import Foundation

let scratch = "/dev/shm/cnmf-fuzz-audio-\(getpid())"

func fuzzAudioReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size)) else { return 0 }
    if let reader = try? AudioFileReader(path: scratch) {
        // Bounded reads: a header may claim any length.
        for _ in 0..<64 {
            guard let block = try? reader.read(maximumFrames: 4_096), !(block.first?.isEmpty ?? true) else { break }
        }
    }
    return 0
}

exit(runFuzzer { data, size in fuzzAudioReader(data, size) })
