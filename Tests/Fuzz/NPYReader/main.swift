// libFuzzer target: the .npy reader and its matrix conversions must reject any input with a
// ComplexNMFError, never crash. Built and run by scripts/fuzz.sh.
import ComplexNMF
import FuzzSupport
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

exit(runFuzzer { data, size in fuzzNPYReader(data, size) })
