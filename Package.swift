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
        // The library: tensors and kernels, layers, losses, optimizers, models, experiments.
        .target(
            name: "GRUKit",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]
        ),
        // The command-line interface as a library, so tests can drive it; `gru` is a thin main.
        .target(
            name: "GRUCLI",
            dependencies: ["GRUKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "gru", dependencies: ["GRUCLI"]),
        .testTarget(name: "GRUKitTests", dependencies: ["GRUKit"], exclude: ["Fixtures"]),
        .testTarget(name: "GRUCLITests", dependencies: ["GRUCLI", "GRUKit", "gru"], exclude: ["Fixtures"]),
    ]
)
