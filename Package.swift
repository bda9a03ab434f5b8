// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ComplexNMF",
    platforms: [.macOS(.v13)],
    // MARK: - Public products
    products: [
        .library(name: "ComplexNMF", targets: ["ComplexNMF"]),
        .executable(name: "cnmf", targets: ["cnmf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - Library (all signal processing lives here)
        .target(
            name: "ComplexNMF",
            dependencies: ["CSndFile", "CFFTW", "CCairo", "CSoxr", "CLapacke", "CComplexNMFKernel", "CBetaNMFKernel", "CConsistentWienerKernel", "CResynthesisKernel", "CInstructionSet"]
        ),

        // MARK: - Complex NMF kernel in C (AVX-512 chosen at run time; no compiler flags needed;
        // glibc's vector math library, part of libc6-dev, for the seeded phase jitter)
        .target(name: "CComplexNMFKernel", dependencies: ["CInstructionSet"], linkerSettings: [.linkedLibrary("mvec", .when(platforms: [.linux]))]),

        // MARK: - β-divergence NMF kernel in C (AVX-512 chosen at run time; no compiler flags needed)
        .target(name: "CBetaNMFKernel", dependencies: ["CInstructionSet"]),

        // MARK: - Element-wise passes of consistent Wiener filtering in C (AVX-512 or AVX2 chosen at run time; no compiler flags needed)
        .target(name: "CConsistentWienerKernel", dependencies: ["CInstructionSet"]),

        // MARK: - Element-wise passes of per-output resynthesis and overlap-add in C (AVX-512 or AVX2 chosen at run time; no compiler flags needed)
        .target(name: "CResynthesisKernel", dependencies: ["CInstructionSet"]),

        // MARK: - The kernels' run-time choice of instruction set (portable, AVX2 + FMA, AVX-512;
        // capped by the environment variable CNMF_INSTRUCTION_SET)
        .target(name: "CInstructionSet"),

        // MARK: - Command-line tool (thin layer over the library)
        .executableTarget(
            name: "cnmf",
            dependencies: [
                "ComplexNMF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Examples (runnable, built on the library API only)
        .executableTarget(
            name: "separate-fixture",
            dependencies: ["ComplexNMF"],
            path: "Examples/SeparateFixture"
        ),

        // MARK: - Benchmarks (`make bench`)
        .executableTarget(
            name: "cnmf-bench",
            dependencies: ["ComplexNMF", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/KernelBenchmark"
        ),

        // MARK: - Fuzz targets (libFuzzer; built with -sanitize=fuzzer by scripts/fuzz.sh)
        .target(name: "FuzzSupport", path: "Tests/Fuzz/Support"),
        .executableTarget(name: "fuzz-npy", dependencies: ["ComplexNMF", "FuzzSupport"], path: "Tests/Fuzz/NPYReader"),
        .executableTarget(name: "fuzz-sidecar", dependencies: ["ComplexNMF", "FuzzSupport"], path: "Tests/Fuzz/SidecarReader"),
        .executableTarget(name: "fuzz-audio", dependencies: ["ComplexNMF", "FuzzSupport"], path: "Tests/Fuzz/AudioReader"),
        .executableTarget(name: "fuzz-spectrogram-file", dependencies: ["ComplexNMF", "FuzzSupport"], path: "Tests/Fuzz/SpectrogramFileReader"),

        // MARK: - C libraries from Debian -dev packages
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]
        ),
        .systemLibrary(
            name: "CFFTW", pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .systemLibrary(
            name: "CSoxr", pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"])]
        ),
        .systemLibrary(
            name: "CLapacke", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]
        ),

        // MARK: - Tests
        .testTarget(
            name: "ComplexNMFTests",
            dependencies: ["ComplexNMF", "cnmf"]
        ),
    ]
)
