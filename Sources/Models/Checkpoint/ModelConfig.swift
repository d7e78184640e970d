import Foundation

/// A checkpoint's `config.json`, decoded for the architecture its `model_type` names.
public enum ModelConfig: Codable, Sendable, Equatable {
    case gpt2(GPT2Config)
    case gptNeoX(GPTNeoXConfig)
    case llama(LlamaConfig)

    /// The `model_type` values circuitry reads.
    public static let supportedModelTypes = [GPT2Config.modelType, GPTNeoXConfig.modelType, LlamaConfig.modelType]

    // MARK: - Loading

    /// Decodes and validates `<directory>/config.json`.
    public static func load(directory: URL) throws(CheckpointError) -> ModelConfig {
        try load(path: directory.appendingPathComponent(Checkpoint.configFileName).path)
    }

    /// Decodes and validates the config file at `url`.
    public static func load(contentsOf url: URL) throws(CheckpointError) -> ModelConfig {
        try load(path: url.path)
    }

    /// Decodes and validates the config file at `path`.
    public static func load(path: String) throws(CheckpointError) -> ModelConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CheckpointError(path: path, .cannotRead(reason: ShardedSafeTensors.reason(error)))
        }
        return try decode(data, path: path)
    }

    /// Decodes and validates config JSON; `path` names the file in errors.
    public static func decode(_ data: Data, path: String = "config.json") throws(CheckpointError) -> ModelConfig {
        let decoder = JSONDecoder()
        decoder.userInfo[.checkpointConfigPath] = path
        let config: ModelConfig
        do {
            config = try decoder.decode(ModelConfig.self, from: data)
        } catch let error as CheckpointError {
            throw error
        } catch {
            let problem = CheckpointDecodingProblem(error, json: data, integerKeys: integerKeys)
            switch problem.kind {
            case let .invalidJSON(detail):
                throw CheckpointError(path: path, .invalidJSON(detail))
            case .missingKey:
                throw CheckpointError(path: path, .missingKey(problem.keyPath))
            case let .wrongType(expected):
                guard !problem.keys.isEmpty else {
                    throw CheckpointError(path: path, .invalidJSON("the top level must be an object"))
                }
                throw CheckpointError(path: path, .wrongType(key: problem.keyPath, expected: expected))
            case let .invalidValue(detail):
                throw CheckpointError(path: path, .invalidConfig("key '\(problem.keyPath)': \(detail)"))
            }
        }
        try config.validate(path: path)
        return config
    }

    /// Keys holding integers in any supported config, to name the key when one holds a fraction.
    private static let integerKeys: Set<String> = [
        "n_embd", "n_layer", "n_head", "n_positions", "n_ctx", "n_inner", "vocab_size", "hidden_size",
        "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size",
        "max_position_embeddings", "bos_token_id", "eos_token_id", "original_max_position_embeddings",
    ]

    private enum TypeKey: String, CodingKey {
        case modelType = "model_type"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        let modelType = try? container.decodeIfPresent(String.self, forKey: .modelType)
        switch modelType {
        case GPT2Config.modelType: self = .gpt2(try GPT2Config(from: decoder))
        case GPTNeoXConfig.modelType: self = .gptNeoX(try GPTNeoXConfig(from: decoder))
        case LlamaConfig.modelType: self = .llama(try LlamaConfig(from: decoder))
        default:
            throw CheckpointError(path: decoder.configPath, .unknownModelType(modelType, supported: Self.supportedModelTypes))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case let .gpt2(config): try config.encode(to: encoder)
        case let .gptNeoX(config): try config.encode(to: encoder)
        case let .llama(config): try config.encode(to: encoder)
        }
    }

    // MARK: - Writing

    /// The architecture's config.
    public var config: any TransformersConfig {
        switch self {
        case let .gpt2(config): return config
        case let .gptNeoX(config): return config
        case let .llama(config): return config
        }
    }

    public func validate(path: String) throws(CheckpointError) {
        try config.validate(path: path)
    }

    /// Pretty-printed JSON with `model_type`, `architectures` and `dtype` that transformers loads.
    public func jsonData() throws(CheckpointError) -> Data {
        try config.jsonData()
    }

    /// Writes the config atomically to `url` (a file path, usually `<folder>/config.json`).
    public func write(to url: URL) throws(CheckpointError) {
        try config.write(to: url)
    }

    // MARK: - Common accessors (TransformerLens names)

    /// `model_type`: "gpt2", "gpt_neox" or "llama".
    public var modelType: String { type(of: config).modelType }
    /// The transformers class in `architectures`, e.g. "GPT2LMHeadModel".
    public var architectureClass: String { type(of: config).architectureClass }

    public var nLayers: Int {
        switch self {
        case let .gpt2(c): return c.nLayer
        case let .gptNeoX(c): return c.numHiddenLayers
        case let .llama(c): return c.numHiddenLayers
        }
    }

    /// Query heads.
    public var nHeads: Int {
        switch self {
        case let .gpt2(c): return c.nHead
        case let .gptNeoX(c): return c.numAttentionHeads
        case let .llama(c): return c.numAttentionHeads
        }
    }

    /// Key/value heads (fewer than `nHeads` under grouped-query attention).
    public var nKVHeads: Int {
        switch self {
        case let .gpt2(c): return c.nHead
        case let .gptNeoX(c): return c.numAttentionHeads
        case let .llama(c): return c.numKeyValueHeads
        }
    }

    public var dHead: Int {
        switch self {
        case let .gpt2(c): return c.dHead
        case let .gptNeoX(c): return c.dHead
        case let .llama(c): return c.headDim
        }
    }

    /// Residual stream width.
    public var dModel: Int {
        switch self {
        case let .gpt2(c): return c.nEmbd
        case let .gptNeoX(c): return c.hiddenSize
        case let .llama(c): return c.hiddenSize
        }
    }

    /// MLP hidden width.
    public var dMLP: Int {
        switch self {
        case let .gpt2(c): return c.dMLP
        case let .gptNeoX(c): return c.intermediateSize
        case let .llama(c): return c.intermediateSize
        }
    }

    public var vocabSize: Int {
        switch self {
        case let .gpt2(c): return c.vocabSize
        case let .gptNeoX(c): return c.vocabSize
        case let .llama(c): return c.vocabSize
        }
    }

    /// LayerNorm (GPT-2, NeoX) or RMSNorm (Llama) epsilon.
    public var normEps: Double {
        switch self {
        case let .gpt2(c): return c.layerNormEpsilon
        case let .gptNeoX(c): return c.layerNormEps
        case let .llama(c): return c.rmsNormEps
        }
    }

    /// Longest sequence the positional scheme was trained for (`n_positions`, `max_position_embeddings`).
    public var maxPositions: Int {
        switch self {
        case let .gpt2(c): return c.nPositions
        case let .gptNeoX(c): return c.maxPositionEmbeddings
        case let .llama(c): return c.maxPositionEmbeddings
        }
    }

    /// True when the unembedding reuses the token embedding.
    public var tiedEmbeddings: Bool {
        switch self {
        case let .gpt2(c): return c.tieWordEmbeddings
        case let .gptNeoX(c): return c.tieWordEmbeddings
        case let .llama(c): return c.tieWordEmbeddings
        }
    }
}
