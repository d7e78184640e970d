import Tensors

// GPT-2 (transformers' GPT2LMHeadModel): learned positions, LayerNorm, GELU
// ("gelu_new"), Conv1D weights stored [in, out], unembedding tied to wte.

extension Transformer {
    /// Builds GPT-2 from its config and checkpoint. Names are transformers' with or
    /// without the `transformer.` prefix (the original OpenAI checkpoints have none);
    /// the `attn.bias` mask buffers of old checkpoints are not read.
    static func gpt2(_ c: GPT2Config, weights source: any TensorSource, path: String) throws -> Transformer {
        let w = WeightReader(source: source, prefix: source.contains("transformer.wte.weight") ? "transformer." : "")
        let (d, h, dh, mlp) = (c.nEmbd, c.nHead, c.dHead, c.dMLP)
        guard let activation = geluApproximation(named: c.activationFunction) else {
            throw CheckpointError(path: path, .unsupported("activation_function \"\(c.activationFunction)\"",
                                                           supported: "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast"))
        }
        let eps = Float(c.layerNormEpsilon)
        func norm(_ name: String) throws -> Norm {
            Norm(kind: .layerNorm, weight: try w("\(name).weight", [d]), bias: try w("\(name).bias", [d]), eps: eps)
        }
        /// Conv1D [in, out] → the shared [out, in] layout.
        func conv1D(_ weight: Tensor) throws -> Tensor { try transpose(weight, 0, 1) }

        let blocks = try (0..<c.nLayer).map { l -> Block in
            let p = "h.\(l)"
            let qkv = try w("\(p).attn.c_attn.weight", [d, 3 * d])   // columns: q | k | v
            let qkvBias = try w("\(p).attn.c_attn.bias", [3 * d])
            func part(_ i: Int) throws -> (Tensor, Tensor) {
                (try conv1D(slice(qkv, axis: 1, (i * d)..<((i + 1) * d))), try slice(qkvBias, axis: 0, (i * d)..<((i + 1) * d)))
            }
            let (q, qb) = try part(0), (k, kb) = try part(1), (v, vb) = try part(2)
            var scale: Float = c.scaleAttnWeights ? 1 / Float(dh).squareRoot() : 1
            if c.scaleAttnByInverseLayerIdx { scale /= Float(l + 1) }
            return Block(
                attentionNorm: try norm("\(p).ln_1"),
                attention: Attention(
                    query: q, queryBias: qb, key: k, keyBias: kb, value: v, valueBias: vb,
                    output: try conv1D(w("\(p).attn.c_proj.weight", [d, d])), outputBias: try w("\(p).attn.c_proj.bias", [d]),
                    scale: scale),
                mlpNorm: try norm("\(p).ln_2"),
                mlp: MLP(
                    activation: .gelu(activation),
                    input: try conv1D(w("\(p).mlp.c_fc.weight", [d, mlp])), inputBias: try w("\(p).mlp.c_fc.bias", [mlp]),
                    gate: nil, gateBias: nil,
                    output: try conv1D(w("\(p).mlp.c_proj.weight", [mlp, d])), outputBias: try w("\(p).mlp.c_proj.bias", [d])))
        }
        // An untied head is `lm_head.weight` at the top level, outside the `transformer.` prefix.
        let head = c.tieWordEmbeddings ? nil : try WeightReader(source: source, prefix: "")("lm_head.weight", [c.vocabSize, d])
        return Transformer(
            architecture: .gpt2,
            dims: Dims(layers: c.nLayer, heads: h, kvHeads: h, headDim: dh, dModel: d, dMLP: mlp,
                       vocab: c.vocabSize, maxPositions: c.nPositions),
            tokenEmbedding: try w("wte.weight", [c.vocabSize, d]),
            positionEmbedding: try w("wpe.weight", [c.nPositions, d]),
            blocks: blocks,
            finalNorm: try norm("ln_f"),
            unembedding: head,
            rotary: nil,
            parallelResidual: false)
    }
}

extension Transformer {
    /// GPT-2's checkpoint tensors (transformers' names, Conv1D layouts).
    static func gpt2Parameters(_ c: GPT2Config) -> [ParameterSpec] {
        let (d, mlp) = (c.nEmbd, c.dMLP)
        var specs = [ParameterSpec(name: "transformer.wte.weight", shape: [c.vocabSize, d], kind: .weight),
                     ParameterSpec(name: "transformer.wpe.weight", shape: [c.nPositions, d], kind: .weight)]
        func norm(_ name: String) -> [ParameterSpec] {
            [ParameterSpec(name: "\(name).weight", shape: [d], kind: .normScale), ParameterSpec(name: "\(name).bias", shape: [d], kind: .bias)]
        }
        func conv1D(_ name: String, _ inputs: Int, _ outputs: Int) -> [ParameterSpec] {
            [ParameterSpec(name: "\(name).weight", shape: [inputs, outputs], kind: .weight),
             ParameterSpec(name: "\(name).bias", shape: [outputs], kind: .bias)]
        }
        for l in 0..<c.nLayer {
            let p = "transformer.h.\(l)"
            specs += norm("\(p).ln_1") + conv1D("\(p).attn.c_attn", d, 3 * d) + conv1D("\(p).attn.c_proj", d, d)
            specs += norm("\(p).ln_2") + conv1D("\(p).mlp.c_fc", d, mlp) + conv1D("\(p).mlp.c_proj", mlp, d)
        }
        specs += norm("transformer.ln_f")
        if !c.tieWordEmbeddings { specs.append(ParameterSpec(name: "lm_head.weight", shape: [c.vocabSize, d], kind: .weight)) }
        return specs
    }
}
