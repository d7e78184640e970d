import Foundation
import Tensors

/// A Hugging Face checkpoint folder: `config.json` plus `model.safetensors` or a sharded
/// `model.safetensors.index.json` (the single file wins when both exist, as in transformers).
public struct Checkpoint: TensorSource {
    public enum Weights: Sendable {
        case single(SafeTensorsFile)
        case sharded(ShardedSafeTensors)
    }

    public static let weightsFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"
    public static let configFileName = "config.json"

    /// The folder, as given.
    public let directory: String
    public let weights: Weights

    public init(directory url: URL) throws(CheckpointError) {
        try self.init(directory: url.path)
    }

    /// Opens the weights in `directory`. Fails with a clear message when the folder has none
    /// (mentioning `pytorch_model.bin` when that is all there is).
    public init(directory: String) throws(CheckpointError) {
        let folder = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.directory = folder
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw CheckpointError(path: folder, .cannotRead(reason: "no such folder"))
        }
        guard isFolder.boolValue else {
            throw CheckpointError(path: folder, .cannotRead(reason: "not a folder (a checkpoint is a folder with config.json and model.safetensors)"))
        }
        let single = "\(folder)/\(Self.weightsFileName)"
        let index = "\(folder)/\(Self.indexFileName)"
        if FileManager.default.fileExists(atPath: single) {
            weights = .single(try SafeTensorsFile(path: single))
        } else if FileManager.default.fileExists(atPath: index) {
            weights = .sharded(try ShardedSafeTensors(path: index))
        } else {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            // Weight files in other formats or names (not the Trainer's optimizer.pt, training_args.bin…).
            let weightLike = contents.filter { name in
                let modelFile = ["pytorch_model", "model", "tf_model", "flax_model", "consolidated"].contains { name.hasPrefix($0) }
                    && [".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".json"].contains { name.hasSuffix($0) }
                return modelFile || name.hasSuffix(".safetensors") || name.hasSuffix(".safetensors.index.json")
            }.sorted()
            throw CheckpointError(path: folder, .noWeights(found: weightLike))
        }
    }

    /// Path of the folder's `config.json`.
    public var configPath: String { "\(directory)/\(Self.configFileName)" }

    /// Decodes and validates the folder's `config.json`.
    public func loadConfig() throws(CheckpointError) -> ModelConfig {
        try ModelConfig.load(path: configPath)
    }

    private var source: any TensorSource {
        switch weights {
        case let .single(file): return file
        case let .sharded(sharded): return sharded
        }
    }

    public var tensorNames: [String] { source.tensorNames }

    public func info(_ name: String) throws(CheckpointError) -> TensorInfo { try source.info(name) }

    public func tensor(_ name: String) throws(CheckpointError) -> Tensor { try source.tensor(name) }

    /// `__metadata__` of the single file, or the index's `metadata`.
    public var metadata: [String: String] {
        switch weights {
        case let .single(file): return file.metadata
        case let .sharded(sharded): return sharded.metadata
        }
    }
}
