import Tensors

// Llama (transformers' LlamaForCausalLM): RMSNorm, rotary (half layout, rope_theta),
// SwiGLU MLP, grouped-query attention, tied or untied embeddings.

extension Transformer {
    static func llama(_ c: LlamaConfig, weights source: any TensorSource, path: String) throws -> Transformer {
        let w = WeightReader(source: source, prefix: "model.")
        let top = WeightReader(source: source, prefix: "")
        let (d, h, kv, dh, mlp) = (c.hiddenSize, c.numAttentionHeads, c.numKeyValueHeads, c.headDim, c.intermediateSize)
        guard c.hiddenAct == "silu" else {
            throw CheckpointError(path: path, .unsupported("hidden_act \"\(c.hiddenAct)\"", supported: "silu"))
        }
        let eps = Float(c.rmsNormEps)
        func norm(_ name: String) throws -> Norm {
            Norm(kind: .rmsNorm, weight: try w("\(name).weight", [d]), bias: nil, eps: eps)
        }
        let blocks = try (0..<c.numHiddenLayers).map { l -> Block in
            let p = "layers.\(l)"
            func projection(_ name: String, _ rows: Int) throws -> (Tensor, Tensor?) {
                (try w("\(p).self_attn.\(name).weight", [rows, d]), try w.when(c.attentionBias, "\(p).self_attn.\(name).bias", [rows]))
            }
            let (q, qb) = try projection("q_proj", h * dh), (k, kb) = try projection("k_proj", kv * dh)
            let (v, vb) = try projection("v_proj", kv * dh)
            return Block(
                attentionNorm: try norm("\(p).input_layernorm"),
                attention: Attention(
                    query: q, queryBias: qb, key: k, keyBias: kb, value: v, valueBias: vb,
                    output: try w("\(p).self_attn.o_proj.weight", [d, h * dh]),
                    outputBias: try w.when(c.attentionBias, "\(p).self_attn.o_proj.bias", [d]),
                    scale: 1 / Float(dh).squareRoot()),
                mlpNorm: try norm("\(p).post_attention_layernorm"),
                mlp: MLP(
                    activation: .swiglu,
                    input: try w("\(p).mlp.up_proj.weight", [mlp, d]),
                    inputBias: try w.when(c.mlpBias, "\(p).mlp.up_proj.bias", [mlp]),
                    gate: try w("\(p).mlp.gate_proj.weight", [mlp, d]),
                    gateBias: try w.when(c.mlpBias, "\(p).mlp.gate_proj.bias", [mlp]),
                    output: try w("\(p).mlp.down_proj.weight", [d, mlp]),
                    outputBias: try w.when(c.mlpBias, "\(p).mlp.down_proj.bias", [d])))
        }
        return Transformer(
            architecture: .llama,
            dims: Dims(layers: c.numHiddenLayers, heads: h, kvHeads: kv, headDim: dh, dModel: d, dMLP: mlp,
                       vocab: c.vocabSize, maxPositions: c.maxPositionEmbeddings),
            tokenEmbedding: try w("embed_tokens.weight", [c.vocabSize, d]),
            positionEmbedding: nil,
            blocks: blocks,
            finalNorm: try norm("norm"),
            unembedding: c.tieWordEmbeddings ? nil : try top("lm_head.weight", [c.vocabSize, d]),
            rotary: Rotary(dims: dh, base: Float(c.ropeTheta), layout: .half),
            parallelResidual: false)
    }
}

extension Transformer {
    /// Llama's checkpoint tensors (transformers' names, [out, in] layouts).
    static func llamaParameters(_ c: LlamaConfig) -> [ParameterSpec] {
        let (d, mlp, dh) = (c.hiddenSize, c.intermediateSize, c.headDim)
        var specs = [ParameterSpec(name: "model.embed_tokens.weight", shape: [c.vocabSize, d], kind: .weight)]
        func linear(_ name: String, _ outputs: Int, _ inputs: Int, bias: Bool) -> [ParameterSpec] {
            [ParameterSpec(name: "\(name).weight", shape: [outputs, inputs], kind: .weight)]
                + (bias ? [ParameterSpec(name: "\(name).bias", shape: [outputs], kind: .bias)] : [])
        }
        for l in 0..<c.numHiddenLayers {
            let p = "model.layers.\(l)"
            specs += [ParameterSpec(name: "\(p).input_layernorm.weight", shape: [d], kind: .normScale),
                      ParameterSpec(name: "\(p).post_attention_layernorm.weight", shape: [d], kind: .normScale)]
            specs += linear("\(p).self_attn.q_proj", c.numAttentionHeads * dh, d, bias: c.attentionBias)
            specs += linear("\(p).self_attn.k_proj", c.numKeyValueHeads * dh, d, bias: c.attentionBias)
            specs += linear("\(p).self_attn.v_proj", c.numKeyValueHeads * dh, d, bias: c.attentionBias)
            specs += linear("\(p).self_attn.o_proj", d, c.numAttentionHeads * dh, bias: c.attentionBias)
            specs += linear("\(p).mlp.gate_proj", mlp, d, bias: c.mlpBias) + linear("\(p).mlp.up_proj", mlp, d, bias: c.mlpBias)
            specs += linear("\(p).mlp.down_proj", d, mlp, bias: c.mlpBias)
        }
        specs.append(ParameterSpec(name: "model.norm.weight", shape: [d], kind: .normScale))
        if !c.tieWordEmbeddings { specs.append(ParameterSpec(name: "lm_head.weight", shape: [c.vocabSize, d], kind: .weight)) }
        return specs
    }
}
