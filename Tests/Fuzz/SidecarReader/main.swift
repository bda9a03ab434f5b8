// libFuzzer target: the spectrogram and basis sidecar (JSON) readers must reject any input
// with a ComplexNMFError, never crash. Built and run by scripts/fuzz.sh.
import ComplexNMF
import FuzzSupport
import Foundation

func fuzzSidecarReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Data(bytes: data, count: size)
    _ = try? SpectrogramSidecar.decode(bytes, path: "fuzz.json")
    _ = try? BasisSidecar.decode(bytes, path: "fuzz.json")
    _ = try? OutputGroups.decode(bytes, labels: ["C4", "E4", "C4#2"], path: "fuzz.json")
    return 0
}

exit(runFuzzer { data, size in fuzzSidecarReader(data, size) })
