import Foundation
import Models
import Tensors

/// A small series made from the GPT-2 fixture: at step s the weights are
/// w·t + noise·(1 − t) with t = s / last step (fixed-seed noise), so the circuit changes
/// over "training" and settles at the fixture's own.
enum SeriesFixture {
    static let root: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()
    static let model = root.appendingPathComponent("fixtures/models/gpt2")
    static let pairs = root.appendingPathComponent("fixtures/attribution/gpt2/pairs.jsonl").path

    static func temporaryFolder(_ label: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes `steps` checkpoint folders `step{N}/` under a new folder and returns it.
    static func make(steps: [Int] = [0, 10, 100, 1000]) throws -> URL {
        let folder = temporaryFolder("series")
        let weights = try SafeTensorsFile(contentsOf: model.appendingPathComponent("model.safetensors"))
        let last = Double(steps.max()!)
        var state: UInt64 = 0x9E3779B97F4A7C15
        func noise() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 20000
        }
        var noises: [String: [Float]] = [:]
        for name in weights.tensorNames { noises[name] = try (0..<weights.tensor(name).count).map { _ in noise() } }
        for step in steps {
            let t = Float(Double(step) / last)
            let stepFolder = folder.appendingPathComponent("step\(step)")
            try FileManager.default.createDirectory(at: stepFolder, withIntermediateDirectories: true)
            for file in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
                try FileManager.default.copyItem(at: model.appendingPathComponent(file), to: stepFolder.appendingPathComponent(file))
            }
            var tensors: [String: Tensor] = [:]
            for name in weights.tensorNames {
                let tensor = try weights.tensor(name)
                let mixed = zip(tensor.storage, noises[name]!).map { $0 * t + $1 * (1 - t) }
                tensors[name] = try Tensor(shape: tensor.shape, storage: mixed)
            }
            try SafeTensorsWriter.write(tensors, to: stepFolder.appendingPathComponent("model.safetensors"))
        }
        return folder
    }
}
