import Foundation

/// A transformers `config.json` for one architecture: decodes the keys transformers writes
/// (with its defaults for absent keys), validates them, and encodes back to JSON that
/// `AutoConfig.from_pretrained` loads, including `model_type`, `architectures` and `dtype`.
public protocol TransformersConfig: Codable, Sendable, Equatable {
    /// The `model_type` this struct decodes, e.g. `"gpt2"`.
    static var modelType: String { get }
    /// The class named in `architectures`, e.g. `"GPT2LMHeadModel"`.
    static var architectureClass: String { get }
    /// Checks that the values describe a model circuitry can build; `path` names the file in errors.
    func validate(path: String) throws(CheckpointError)
}

extension TransformersConfig {
    /// The config as pretty-printed JSON with sorted keys, like `save_pretrained` writes it.
    public func jsonData() throws(CheckpointError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(self)
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw CheckpointError(path: "config.json", .cannotWrite(reason: "cannot encode the config: \(error)"))
        }
    }

    /// Writes the config to `url` (a file path, usually `<folder>/config.json`) atomically.
    public func write(to url: URL) throws(CheckpointError) {
        try validate(path: url.path)
        try AtomicFileWriter.write(Array(jsonData()), to: url.path)
    }
}

/// The keys every config writes besides its own.
enum ConfigCommonKey: String, CodingKey {
    case modelType = "model_type"
    case architectures
    case dtype
    case torchDtype = "torch_dtype"
}

extension TransformersConfig {
    /// Writes `model_type`, `architectures`, and `dtype`/`torch_dtype` float32 (the spelling of
    /// transformers 5 and of transformers 4).
    func encodeCommonKeys(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ConfigCommonKey.self)
        try container.encode(Self.modelType, forKey: .modelType)
        try container.encode([Self.architectureClass], forKey: .architectures)
        try container.encode("float32", forKey: .dtype)
        try container.encode("float32", forKey: .torchDtype)
    }
}

extension KeyedDecodingContainer {
    /// The value, or `fallback` when the key is absent or null (transformers' default).
    func value<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }

    /// A token id: `fallback` when absent, nil when null.
    func tokenID(_ key: Key, default fallback: Int?) throws -> Int? {
        guard contains(key) else { return fallback }
        if try decodeNil(forKey: key) { return nil }
        return try decode(Int.self, forKey: key)
    }

    /// One token id or a list of them (`eos_token_id` may be either): `fallback` when absent, empty when null.
    func tokenIDs(_ key: Key, default fallback: [Int]) throws -> [Int] {
        guard contains(key) else { return fallback }
        if try decodeNil(forKey: key) { return [] }
        if let single = try? decode(Int.self, forKey: key) { return [single] }
        return try decode([Int].self, forKey: key)
    }
}

extension KeyedEncodingContainer {
    /// An optional value written as null when absent (as transformers does).
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Token ids as transformers writes them: one id as a number, several as a list, none as null.
    mutating func encodeTokenIDs(_ ids: [Int], forKey key: Key) throws {
        switch ids.count {
        case 0: try encodeNil(forKey: key)
        case 1: try encode(ids[0], forKey: key)
        default: try encode(ids, forKey: key)
        }
    }
}

/// Activation names transformers' `ACT2FN` knows (transformers 5.23). Anything else is a typo.
let transformersActivations: Set<String> = [
    "gelu", "gelu_10", "gelu_accurate", "gelu_fast", "gelu_new", "gelu_python", "gelu_python_tanh",
    "gelu_pytorch_tanh", "hardswish", "laplace", "leaky_relu", "linear", "mish", "prelu", "quick_gelu",
    "relu", "relu2", "relu6", "sigmoid", "silu", "sqrtsoftplus", "swish", "tanh", "xielu",
]

/// Collects validation failures for one config file.
struct ConfigChecker {
    let path: String

    func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(CheckpointError) {
        if !condition { throw CheckpointError(path: path, .invalidConfig(message())) }
    }

    func positive(_ value: Int, _ key: String) throws(CheckpointError) {
        try require(value > 0, "\(key) must be positive, got \(value)")
    }

    func positive(_ value: Double, _ key: String) throws(CheckpointError) {
        try require(value > 0 && value.isFinite, "\(key) must be a positive number, got \(value)")
    }

    func activation(_ name: String, _ key: String) throws(CheckpointError) {
        try require(transformersActivations.contains(name),
                    "\(key) '\(name)' is not an activation transformers knows (e.g. gelu, gelu_new, relu, silu)")
    }

    /// Resolves one setting that a config may spell several ways.
    ///
    /// `spellings` are the keys transformers reads, highest priority first; the first present one
    /// wins, else `fallback`. Every other spelling present — including `mirrors`, keys older
    /// transformers wrote alongside but transformers 5 ignores — must agree with it, so a file
    /// never means different things to different readers.
    func resolve<T: Equatable>(
        _ spellings: [(key: String, value: T?)], mirrors: [(key: String, value: T?)] = [],
        default fallback: (key: String, value: T)
    ) throws(CheckpointError) -> T {
        let given = spellings.lazy.compactMap { spelling in spelling.value.map { (key: spelling.key, value: $0) } }.first
        let chosen = given ?? fallback
        for other in spellings + mirrors {
            guard let value = other.value, value != chosen.value else { continue }
            if given != nil {
                throw CheckpointError(path: path, .invalidConfig(
                    "\(other.key) (\(value)) disagrees with \(chosen.key) (\(chosen.value)), which transformers uses; "
                        + "they spell the same setting, so give one value"))
            }
            throw CheckpointError(path: path, .invalidConfig(
                "\(other.key) (\(value)) is not read by transformers 5, which uses the default \(chosen.key) (\(chosen.value)); "
                    + "give the value as \(spellings.map(\.key).joined(separator: " or ")) instead"))
        }
        return chosen.value
    }
}

extension CodingUserInfoKey {
    /// The file being decoded, so errors raised while decoding can name it.
    static let checkpointConfigPath = CodingUserInfoKey(rawValue: "circuitry.configPath")!
}

extension Decoder {
    /// The path given to `ModelConfig.decode`, or `config.json`.
    var configPath: String { userInfo[.checkpointConfigPath] as? String ?? "config.json" }
}
