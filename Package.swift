// swift-tools-version: 6.1
import PackageDescription

// The module graph follows the data flow of DESIGN.md:
// Tensors → Models → Attribution → Circuits → Export → Emergence → circuitry (CLI);
// Training (Tensors → Models → Attribution → Training) makes the checkpoints the rest reads.
// Each module depends only on the ones before it.
let package = Package(
    name: "circuitry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "circuitry", targets: ["circuitry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries, found through pkg-config; the Makefile installs the Debian packages.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CGraphviz", path: "Sources/CGraphviz", pkgConfig: "libgvc",
            providers: [.apt(["libgraphviz-dev"])]),

        // glibc's malloc.h (mallopt), for keeping freed tensor memory in the process.
        .systemLibrary(name: "CAllocator", path: "Sources/CAllocator"),

        // The numeric core is compiled optimised even in debug builds: its SIMD kernels run
        // tens of times slower unoptimised, which would make `make test` crawl.
        .target(name: "Tensors", dependencies: ["CBLAS", "CAllocator"], swiftSettings: [.unsafeFlags(["-O"])]),
        // Optimised like Tensors: tokenizing tens of thousands of candidate pairs (the role-pair
        // generator) and the forward's per-position loops are too slow for `make test` unoptimised.
        .target(name: "Models", dependencies: ["Tensors"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Attribution", dependencies: ["Models", "Tensors"], swiftSettings: [.unsafeFlags(["-O"])]),
        // Optimised even in debug, like Tensors: patched runs rebuild activations in plain loops.
        .target(name: "Circuits", dependencies: ["Attribution", "Models", "Tensors"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Export", dependencies: ["Circuits", "Attribution", "CGraphviz"]),
        // Circuits across checkpoint series: resumable, shardable sweeps and their statistics.
        .target(name: "Emergence", dependencies: ["Circuits", "Export", "Attribution", "Models"]),
        // Native training on the role language (AdamW, schedule, checkpoints over training); optimised like
        // Tensors because the optimiser's loops run over every parameter at every step.
        .target(name: "Training", dependencies: ["Attribution", "Models", "Tensors"], swiftSettings: [.unsafeFlags(["-O"])]),
        .executableTarget(
            name: "circuitry",
            dependencies: [
                "Tensors", "Models", "Attribution", "Circuits", "Export", "Emergence", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Release-mode benchmarks (`make bench`); medians of repeated runs.
        .executableTarget(
            name: "circuitry-bench", dependencies: ["Tensors", "Models", "Attribution", "Training", "CBLAS"],
            path: "Benchmarks/circuitry-bench"),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Tensors"]),
        .testTarget(name: "AttributionTests", dependencies: ["Attribution", "Models", "Tensors"]),
        .testTarget(name: "CircuitsTests", dependencies: ["Circuits", "Attribution", "Models", "Tensors"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Circuits", "Attribution"]),
        .testTarget(name: "EmergenceTests", dependencies: ["Emergence", "Circuits", "Export", "Models"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Attribution", "Models", "Tensors"]),
        .testTarget(name: "CircuitryTests", dependencies: ["circuitry"]),
    ],
    swiftLanguageModes: [.v6]
)
