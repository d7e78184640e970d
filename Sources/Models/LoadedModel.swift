import Foundation
import Tensors

/// A checkpoint folder opened for use: its config, weights as a `Transformer`, and tokenizer.
public struct LoadedModel: Sendable {
    public let directory: URL
    public let config: ModelConfig
    public let transformer: Transformer
    public let tokenizer: Tokenizer

    /// Reads `config.json`, the safetensors weights (single or sharded) and `tokenizer.json`.
    public init(directory: URL) throws {
        let checkpoint = try Checkpoint(directory: directory)
        let config = try checkpoint.loadConfig()
        self.directory = directory
        self.config = config
        self.transformer = try Transformer(config: config, weights: checkpoint, path: checkpoint.directory)
        self.tokenizer = try Tokenizer.load(directory: directory)
    }
}

extension Transformer {
    /// Builds the architecture that `config` names from `weights`.
    public init(config: ModelConfig, weights: any TensorSource, path: String) throws {
        switch config {
        case let .gpt2(c): self = try .gpt2(c, weights: weights, path: path)
        case let .gptNeoX(c): self = try .gptNeoX(c, weights: weights, path: path)
        case let .llama(c): self = try .llama(c, weights: weights, path: path)
        }
    }
}
