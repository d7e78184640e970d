import Tensors

// GPT-NeoX / Pythia (transformers' GPTNeoXForCausalLM): fused query_key_value laid
// out per head, partial rotary (half layout), parallel or sequential residual,
// LayerNorm, GELU, separate embed_out.

extension Transformer {
    static func gptNeoX(_ c: GPTNeoXConfig, weights source: any TensorSource, path: String) throws -> Transformer {
        let w = WeightReader(source: source, prefix: "gpt_neox.")
        let top = WeightReader(source: source, prefix: "")
        let (d, h, dh, mlp) = (c.hiddenSize, c.numAttentionHeads, c.dHead, c.intermediateSize)
        guard let activation = geluApproximation(named: c.hiddenAct) else {
            throw CheckpointError(path: path, .unsupported("hidden_act \"\(c.hiddenAct)\"",
                                                           supported: "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast"))
        }
        let eps = Float(c.layerNormEps)
        func norm(_ name: String) throws -> Norm {
            Norm(kind: .layerNorm, weight: try w("\(name).weight", [d]), bias: try w("\(name).bias", [d]), eps: eps)
        }
        let blocks = try (0..<c.numHiddenLayers).map { l -> Block in
            let p = "layers.\(l)"
            // Rows of query_key_value are laid out [H, 3, D_head]: q, k, v of head 0, then head 1, …
            let qkv = try w("\(p).attention.query_key_value.weight", [3 * d, d]).reshape([h, 3, dh, d])
            let qkvBias = try w.when(c.attentionBias, "\(p).attention.query_key_value.bias", [3 * d])?.reshape([h, 3, dh])
            func part(_ i: Int) throws -> (Tensor, Tensor?) {
                (try slice(qkv, axis: 1, i..<(i + 1)).reshape([h * dh, d]),
                 try qkvBias.map { try slice($0, axis: 1, i..<(i + 1)).reshape([h * dh]) })
            }
            let (q, qb) = try part(0), (k, kb) = try part(1), (v, vb) = try part(2)
            return Block(
                attentionNorm: try norm("\(p).input_layernorm"),
                attention: Attention(
                    query: q, queryBias: qb, key: k, keyBias: kb, value: v, valueBias: vb,
                    output: try w("\(p).attention.dense.weight", [d, d]),
                    outputBias: try w.when(c.attentionBias, "\(p).attention.dense.bias", [d]),
                    scale: 1 / Float(dh).squareRoot()),
                mlpNorm: try norm("\(p).post_attention_layernorm"),
                mlp: MLP(
                    activation: .gelu(activation),
                    input: try w("\(p).mlp.dense_h_to_4h.weight", [mlp, d]), inputBias: try w("\(p).mlp.dense_h_to_4h.bias", [mlp]),
                    gate: nil, gateBias: nil,
                    output: try w("\(p).mlp.dense_4h_to_h.weight", [d, mlp]), outputBias: try w("\(p).mlp.dense_4h_to_h.bias", [d])))
        }
        return Transformer(
            architecture: .gptNeoX,
            dims: Dims(layers: c.numHiddenLayers, heads: h, kvHeads: h, headDim: dh, dModel: d, dMLP: mlp,
                       vocab: c.vocabSize, maxPositions: c.maxPositionEmbeddings),
            tokenEmbedding: try w("embed_in.weight", [c.vocabSize, d]),
            positionEmbedding: nil,
            blocks: blocks,
            finalNorm: try norm("final_layer_norm"),
            unembedding: c.tieWordEmbeddings ? nil : try top("embed_out.weight", [c.vocabSize, d]),
            rotary: Rotary(dims: c.rotaryDim, base: Float(c.rotaryEmbBase), layout: .half),
            parallelResidual: c.useParallelResidual)
    }
}

extension Transformer {
    /// GPT-NeoX's checkpoint tensors (transformers' names, [out, in] layouts).
    static func gptNeoXParameters(_ c: GPTNeoXConfig) -> [ParameterSpec] {
        let (d, mlp) = (c.hiddenSize, c.intermediateSize)
        var specs = [ParameterSpec(name: "gpt_neox.embed_in.weight", shape: [c.vocabSize, d], kind: .weight)]
        func norm(_ name: String) -> [ParameterSpec] {
            [ParameterSpec(name: "\(name).weight", shape: [d], kind: .normScale), ParameterSpec(name: "\(name).bias", shape: [d], kind: .bias)]
        }
        func linear(_ name: String, _ outputs: Int, _ inputs: Int, bias: Bool) -> [ParameterSpec] {
            [ParameterSpec(name: "\(name).weight", shape: [outputs, inputs], kind: .weight)]
                + (bias ? [ParameterSpec(name: "\(name).bias", shape: [outputs], kind: .bias)] : [])
        }
        for l in 0..<c.numHiddenLayers {
            let p = "gpt_neox.layers.\(l)"
            specs += norm("\(p).input_layernorm") + norm("\(p).post_attention_layernorm")
            specs += linear("\(p).attention.query_key_value", 3 * d, d, bias: c.attentionBias)
            specs += linear("\(p).attention.dense", d, d, bias: c.attentionBias)
            specs += linear("\(p).mlp.dense_h_to_4h", mlp, d, bias: true) + linear("\(p).mlp.dense_4h_to_h", d, mlp, bias: true)
        }
        specs += norm("gpt_neox.final_layer_norm")
        if !c.tieWordEmbeddings { specs.append(ParameterSpec(name: "embed_out.weight", shape: [c.vocabSize, d], kind: .weight)) }
        return specs
    }
}
