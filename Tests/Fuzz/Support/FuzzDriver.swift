// The libFuzzer driver shared by the fuzz targets. scripts/fuzz.sh builds with -D FUZZING,
// coverage instrumentation and libFuzzer without its own main (SwiftPM owns `main`), so each
// target starts libFuzzer from its top-level code; an ordinary build only says how to fuzz.
import Foundation

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

/// Runs libFuzzer with `callback` (one input's bytes and size) and returns its exit status.
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    #if FUZZING
    var argumentCount = CommandLine.argc
    var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argumentCount, &argumentValues, callback)
    #else
    FileHandle.standardError.write(Data("built without libFuzzer: run scripts/fuzz.sh\n".utf8))
    return 64
    #endif
}
