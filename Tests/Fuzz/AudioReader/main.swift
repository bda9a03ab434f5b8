// libFuzzer target: decoding arbitrary bytes through libsndfile (WAV, FLAC, OGG, AIFF, …) must
// give samples or a ComplexNMFError, never a crash. The bytes go through a file in /dev/shm
// because the reader takes paths. Built and run by scripts/fuzz.sh.
import ComplexNMF
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

// libFuzzer's driver, started from this executable's top-level code (SwiftPM owns `main`).
// scripts/fuzz.sh builds with -D FUZZING, coverage instrumentation and libFuzzer without its
// own main; an ordinary build only says how to fuzz.
#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzAudioReader(data, size) })
#else
FileHandle.standardError.write(Data("built without libFuzzer: run scripts/fuzz.sh\n".utf8))
exit(64)
#endif
