// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "GRUKit",
    products: [
        .library(name: "GRUKit", targets: ["GRUKit"]),
        .executable(name: "gru", targets: ["gru"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // Single-precision CPU kernels in C: an AVX2 + FMA path chosen at run time (by
        // function attributes, no build flags) and a portable fallback.
        .target(name: "CGRUKernels"),
        // The library: tensors and kernels, layers, losses, optimizers, models, experiments.
        .target(
            name: "GRUKit",
            dependencies: ["CGRUKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // The command-line interface as a library, so tests can drive it; `gru` is a thin main.
        .target(
            name: "GRUCLI",
            dependencies: ["GRUKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "gru", dependencies: ["GRUCLI", "GRUKit"]),
        // Kernel timings at the GRU's shapes: `swift run -c release KernelBench`.
        .executableTarget(name: "KernelBench", dependencies: ["GRUKit"]),
        // Entry points for the fuzzers: untrusted bytes into every reader (see scripts/fuzz.sh).
        .target(name: "GRUFuzzTargets", dependencies: ["GRUKit"]),
        // One executable per fuzz target: libFuzzer's entry point when built with -DFUZZING
        // and -sanitize=fuzzer, otherwise a replayer of saved inputs.
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
        .target(name: "FuzzDriver", dependencies: ["CFuzzDriver"], path: "Fuzz/FuzzDriver"),
        .executableTarget(name: "safetensors-fuzzer", dependencies: ["GRUFuzzTargets", "FuzzDriver"], path: "Fuzz/safetensors-fuzzer"),
        .executableTarget(name: "onnx-fuzzer", dependencies: ["GRUFuzzTargets", "FuzzDriver"], path: "Fuzz/onnx-fuzzer"),
        .executableTarget(name: "csv-fuzzer", dependencies: ["GRUFuzzTargets", "FuzzDriver"], path: "Fuzz/csv-fuzzer"),
        .executableTarget(name: "text-fuzzer", dependencies: ["GRUFuzzTargets", "FuzzDriver"], path: "Fuzz/text-fuzzer"),
        .executableTarget(name: "checkpoint-fuzzer", dependencies: ["GRUFuzzTargets", "FuzzDriver"], path: "Fuzz/checkpoint-fuzzer"),
        .testTarget(name: "GRUKitTests", dependencies: ["GRUKit"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["GRUFuzzTargets"]),
        .testTarget(name: "GRUCLITests", dependencies: ["GRUCLI", "GRUKit", "gru"], exclude: ["Fixtures"]),
    ]
)
