// libFuzzer target: the .npy reader and its matrix conversions must reject any input with a
// ComplexNMFError, never crash. Built and run by scripts/fuzz.sh.
import ComplexNMF
import Foundation

func fuzzNPYReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Data(bytes: data, count: size)
    if let array = try? NPYArray.decode(bytes, path: "fuzz.npy") {
        _ = try? array.complexMatrices(path: "fuzz.npy")
        _ = try? array.realMatrix(path: "fuzz.npy")
        if array.elementCount < 100_000 { _ = array.complexValuesInCOrder() }
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
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzNPYReader(data, size) })
#else
FileHandle.standardError.write(Data("built without libFuzzer: run scripts/fuzz.sh\n".utf8))
exit(64)
#endif
