import Foundation
import Tensors

/// A checkpoint tensor an architecture expects, and how transformers initialises it.
public struct ParameterSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Weights and embeddings: N(0, 0.02²) (transformers' `initializer_range`).
        case weight
        /// Biases: zeros.
        case bias
        /// Norm scales: ones.
        case normScale
    }
    public var name: String
    public var shape: [Int]
    public var kind: Kind
}

/// Named tensors held in memory, read like a checkpoint.
public struct InMemoryTensors: TensorSource {
    public var tensors: [String: Tensor]
    public init(_ tensors: [String: Tensor]) { self.tensors = tensors }

    public var tensorNames: [String] { tensors.keys.sorted() }

    public func info(_ name: String) throws(CheckpointError) -> TensorInfo {
        guard let t = tensors[name] else { throw CheckpointError(path: "<memory>", .tensorNotFound(name)) }
        return TensorInfo(name: name, dtype: .f32, shape: t.shape, dataOffsets: 0..<(4 * t.count), file: "<memory>")
    }

    public func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        guard let t = tensors[name] else { throw CheckpointError(path: "<memory>", .tensorNotFound(name)) }
        return t
    }
}

extension ModelConfig {
    /// Every tensor a checkpoint of this config holds, in transformers' names and layouts.
    public var parameterSpecs: [ParameterSpec] {
        switch self {
        case let .gpt2(c): Transformer.gpt2Parameters(c)
        case let .gptNeoX(c): Transformer.gptNeoXParameters(c)
        case let .llama(c): Transformer.llamaParameters(c)
        }
    }
}

extension ModelConfig {
    /// Freshly initialised checkpoint tensors of this config, by checkpoint name, as transformers
    /// initialises them (weights N(0, 0.02²), biases 0, norm scales 1), deterministic for `seed`
    /// (specs are filled in `parameterSpecs` order from one seeded stream).
    public func initialParameters(seed: UInt64) -> [String: Tensor] {
        var generator = NormalGenerator(seed: seed)
        var tensors: [String: Tensor] = [:]
        for spec in parameterSpecs {
            let count = spec.shape.reduce(1, *)
            let values: [Float] = switch spec.kind {
            case .weight: (0..<count).map { _ in 0.02 * generator.next() }
            case .bias: [Float](repeating: 0, count: count)
            case .normScale: [Float](repeating: 1, count: count)
            }
            tensors[spec.name] = try! Tensor(shape: spec.shape, storage: values)
        }
        return tensors
    }
}

extension Transformer {
    /// A freshly initialised model of `config` (`ModelConfig.initialParameters(seed:)`).
    public static func randomlyInitialized(config: ModelConfig, seed: UInt64) throws -> Transformer {
        try Transformer(config: config, weights: InMemoryTensors(config.initialParameters(seed: seed)), path: "<initialised>")
    }
}

/// Standard normal samples from a seeded SplitMix64 stream (Box–Muller), so a seed
/// gives the same model on every machine.
struct NormalGenerator {
    private var state: UInt64
    private var spare: Float?

    init(seed: UInt64) { state = seed }

    private mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)  // in (0, 1)
    }

    mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        let radius = (-2 * log(uniform())).squareRoot(), angle = 2 * Double.pi * uniform()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
