// swift-tools-version:6.0
// FractalAD: fractal pre-training and memory-bank anomaly detection on OpenCL devices.
import PackageDescription

let package = Package(
    name: "FractalAD",
    products: [
        .executable(name: "fractalad", targets: ["fractalad"]),
        .executable(name: "fractalad-bench", targets: ["fractalad-bench"]),
        .library(name: "FractalADKit", targets: ["Compute", "Imaging", "Fractals", "Backbones", "AnomalyDetection",
                                                "Verification"]),
    ],
    targets: [
        // MARK: - Public API
        .target(name: "Compute", dependencies: ["COpenCL", "CHostGemm", "EmbeddedKernels"]),
        .target(name: "Verification", dependencies: ["Compute"]),
        .target(name: "Imaging", dependencies: ["Compute", "PNGShim"]),
        .target(name: "Fractals", dependencies: ["Compute", "Imaging"]),
        .target(name: "Backbones", dependencies: ["Compute", "Imaging", "Fractals"]),
        .target(name: "AnomalyDetection", dependencies: ["Compute", "Imaging", "Backbones"]),
        .target(name: "FractalADCLI", dependencies: ["Compute", "Imaging", "Fractals", "Backbones", "AnomalyDetection",
                                                   "Verification"]),
        .executableTarget(name: "fractalad", dependencies: ["FractalADCLI"]),
        .executableTarget(name: "fractalad-bench", dependencies: ["Compute", "Imaging", "Fractals", "Backbones",
                                                                   "AnomalyDetection", "FractalADCLI"], path: "Bench",
                          exclude: ["peers"]),

        // MARK: - Implementation details
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL", pkgConfig: "OpenCL",
                       providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "PNGShim", dependencies: ["CPNG"]),
        .target(name: "CHostGemm"),
        .executableTarget(name: "EmbedKernelsTool"),
        .plugin(name: "EmbedKernelsPlugin", capability: .buildTool(), dependencies: ["EmbedKernelsTool"],
                path: "Sources/EmbedKernelsPlugin"),
        .target(name: "EmbeddedKernels", plugins: ["EmbedKernelsPlugin"]),

        // MARK: - Unit test bundles
        .target(name: "TestSupport", dependencies: ["Compute", "Verification"], path: "Tests/TestSupport"),
        .testTarget(name: "ComputeTests", dependencies: ["Compute", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FractalsTests", dependencies: ["Fractals", "TestSupport"]),
        .testTarget(name: "BackbonesTests", dependencies: ["Backbones", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AnomalyDetectionTests", dependencies: ["AnomalyDetection", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["FractalADCLI", "fractalad"]),
    ]
)
