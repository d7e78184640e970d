import Tensors

/// A decoder-only transformer language model in the one shape GPT-2, GPT-NeoX
/// (Pythia) and Llama share: embeddings, blocks of attention and MLP around a
/// residual stream, a final norm and an unembedding. Each architecture's file
/// builds one from its config and checkpoint names; the forward pass lives here
/// once, with TransformerLens hook points at every block.
public struct Transformer: Sendable {
    public let architecture: Architecture
    public let dims: Dims
    /// Token embedding W_E: [vocab, d_model].
    public internal(set) var tokenEmbedding: Tensor
    /// Learned position embedding W_pos: [positions, d_model] (GPT-2 only).
    public internal(set) var positionEmbedding: Tensor?
    public internal(set) var blocks: [Block]
    public internal(set) var finalNorm: Norm
    /// Unembedding W_U as [vocab, d_model]; nil when tied to the token embedding.
    public internal(set) var unembedding: Tensor?
    public let rotary: Rotary?
    /// Attention and MLP read the same residual (GPT-NeoX `use_parallel_residual`).
    public let parallelResidual: Bool

    public enum Architecture: String, Sendable, CaseIterable {
        case gpt2
        case gptNeoX = "gpt_neox"
        case llama
    }

    public struct Dims: Sendable, Equatable {
        public var layers: Int
        public var heads: Int
        public var kvHeads: Int
        public var headDim: Int
        public var dModel: Int
        public var dMLP: Int
        public var vocab: Int
        public var maxPositions: Int
    }

    /// LayerNorm or RMSNorm over the last axis.
    public struct Norm: Sendable {
        public enum Kind: Sendable { case layerNorm, rmsNorm }
        public var kind: Kind
        public var weight: Tensor
        public var bias: Tensor?
        public var eps: Float

        public func callAsFunction(_ x: Tensor) throws -> Tensor {
            switch kind {
            case .layerNorm: try layerNorm(x, weight: weight, bias: bias, eps: eps)
            case .rmsNorm: try rmsNorm(x, weight: weight, eps: eps)
            }
        }
    }

    /// Attention weights, split per role at load time (fused checkpoints are split once).
    /// W_Q: [H·D, d_model], W_K, W_V: [KV·D, d_model], W_O: [d_model, H·D], all `.outIn`.
    public struct Attention: Sendable {
        public var query: Tensor, queryBias: Tensor?
        public var key: Tensor, keyBias: Tensor?
        public var value: Tensor, valueBias: Tensor?
        public var output: Tensor, outputBias: Tensor?
        /// Multiplier on q·kᵀ (1/√D, and GPT-2's optional 1/(layer+1)).
        public var scale: Float
    }

    /// The MLP: GELU between two projections (GPT-2, NeoX) or SwiGLU (Llama). Weights `.outIn`.
    public struct MLP: Sendable {
        public enum Activation: Sendable, Equatable {
            case gelu(GELUApproximation)
            case swiglu
        }
        public var activation: Activation
        /// W_in [d_mlp, d_model] (the "up" projection for SwiGLU) and its bias.
        public var input: Tensor, inputBias: Tensor?
        /// SwiGLU's gate projection [d_mlp, d_model] and its bias.
        public var gate: Tensor?, gateBias: Tensor?
        /// W_out [d_model, d_mlp] and its bias.
        public var output: Tensor, outputBias: Tensor?
    }

    public struct Block: Sendable {
        public var attentionNorm: Norm
        public var attention: Attention
        public var mlpNorm: Norm
        public var mlp: MLP
    }

    /// The unembedding actually used: W_U, or W_E when tied.
    public var unembeddingMatrix: Tensor { unembedding ?? tokenEmbedding }

    /// Total parameters, counting a tied embedding once.
    public var parameterCount: Int {
        var total = tokenEmbedding.count + (positionEmbedding?.count ?? 0) + (unembedding?.count ?? 0)
        total += finalNorm.weight.count + (finalNorm.bias?.count ?? 0)
        for block in blocks {
            let a = block.attention, m = block.mlp
            let tensors: [Tensor?] = [
                block.attentionNorm.weight, block.attentionNorm.bias, block.mlpNorm.weight, block.mlpNorm.bias,
                a.query, a.queryBias, a.key, a.keyBias, a.value, a.valueBias, a.output, a.outputBias,
                m.input, m.inputBias, m.gate, m.gateBias, m.output, m.outputBias,
            ]
            total += tensors.compactMap { $0?.count }.reduce(0, +)
        }
        return total
    }
}
