import Tensors

// The forward pass, shared by every architecture. Hook names follow
// TransformerLens: hook_embed, hook_pos_embed, blocks.{l}.hook_resid_pre|mid|post,
// blocks.{l}.hook_attn_in, blocks.{l}.attn.hook_q|k|v|rot_q|rot_k|attn_scores|pattern|z|result,
// blocks.{l}.hook_attn_out, blocks.{l}.hook_mlp_in, blocks.{l}.mlp.hook_pre|pre_linear|post,
// blocks.{l}.hook_mlp_out, ln_final.hook_normalized.

extension Transformer {
    /// Full-vocabulary logits at every position: [B, T, vocab].
    public func logits(_ batch: TokenBatch, hooks: Hooks? = nil) throws -> Tensor {
        try unembed(finalResidual(batch, hooks: hooks))
    }

    /// x · W_Uᵀ over the last axis: [..., d_model] → [..., vocab].
    public func unembed(_ x: Tensor) throws -> Tensor {
        try linear(x, weight: unembeddingMatrix, layout: .outIn)
    }

    /// The residual stream after the final norm: [B, T, d_model].
    public func finalResidual(_ batch: TokenBatch, hooks: Hooks? = nil) throws -> Tensor {
        let hooks = hooks ?? Hooks()
        if let bad = batch.ids.first(where: { $0 < 0 || $0 >= dims.vocab }) {
            throw ModelError.tokenOutOfRange(id: bad, vocab: dims.vocab)
        }
        if positionEmbedding != nil, batch.length > dims.maxPositions {
            throw ModelError.sequenceTooLong(length: batch.length, maxPositions: dims.maxPositions)
        }
        let (b, t) = (batch.batch, batch.length)
        var x = try hooks("hook_embed", embedding(tokenEmbedding, ids: batch.ids, shape: [b, t]))
        if let positionEmbedding {
            let positions = (0..<b).flatMap { _ in 0..<t }
            x = try x + hooks("hook_pos_embed", embedding(positionEmbedding, ids: positions, shape: [b, t]))
        }
        let positions = Array(0..<t)
        for layer in blocks.indices {
            x = try block(layer, x, positions: positions, hooks: hooks)
        }
        return try hooks("ln_final.hook_normalized", finalNorm(x))
    }

    /// One block: x [B, T, d_model] → [B, T, d_model].
    func block(_ l: Int, _ x: Tensor, positions: [Int], hooks: Hooks) throws -> Tensor {
        let block = blocks[l]
        let resid = try hooks("blocks.\(l).hook_resid_pre", x)
        let attnIn = try hooks("blocks.\(l).hook_attn_in", resid)
        let attnOut = try hooks("blocks.\(l).hook_attn_out",
                                attention(l, block.attentionNorm(attnIn), positions: positions, hooks: hooks))
        if parallelResidual {
            // GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x)).
            let mlpIn = try hooks("blocks.\(l).hook_mlp_in", resid)
            let mlpOut = try hooks("blocks.\(l).hook_mlp_out", mlp(l, block.mlpNorm(mlpIn), hooks: hooks))
            return try hooks("blocks.\(l).hook_resid_post", resid + attnOut + mlpOut)
        }
        let mid = try hooks("blocks.\(l).hook_resid_mid", resid + attnOut)
        let mlpIn = try hooks("blocks.\(l).hook_mlp_in", mid)
        let mlpOut = try hooks("blocks.\(l).hook_mlp_out", mlp(l, block.mlpNorm(mlpIn), hooks: hooks))
        return try hooks("blocks.\(l).hook_resid_post", mid + mlpOut)
    }

    /// Attention of block l on normalised input x [B, T, d_model] → its write to the residual [B, T, d_model].
    func attention(_ l: Int, _ x: Tensor, positions: [Int], hooks: Hooks) throws -> Tensor {
        let a = blocks[l].attention
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, kv, d) = (dims.heads, dims.kvHeads, dims.headDim)
        let name = "blocks.\(l).attn"
        var q = try hooks("\(name).hook_q", linear(x, weight: a.query, bias: a.queryBias, layout: .outIn).reshape([b, t, h, d]))
        var k = try hooks("\(name).hook_k", linear(x, weight: a.key, bias: a.keyBias, layout: .outIn).reshape([b, t, kv, d]))
        let v = try hooks("\(name).hook_v", linear(x, weight: a.value, bias: a.valueBias, layout: .outIn).reshape([b, t, kv, d]))
        if let rotary {
            q = try hooks("\(name).hook_rot_q", Tensors.rotary(q, positions: positions, rotary))
            k = try hooks("\(name).hook_rot_k", Tensors.rotary(k, positions: positions, rotary))
        }
        let scores = try hooks("\(name).hook_attn_scores", attentionScores(query: q, key: k, scale: a.scale))
        let pattern = try hooks("\(name).hook_pattern", softmax(scores, causal: true))
        let z = try hooks("\(name).hook_z", attentionMix(pattern: pattern, value: v))
        guard hooks.observes("\(name).hook_result") else {
            return try linear(z.reshape([b, t, h * d]), weight: a.output, bias: a.outputBias, layout: .outIn)
        }
        // Per-head writes, result[b,t,h] = z[b,t,h] · W_O[:, h·D..<(h+1)·D]ᵀ, only when asked for.
        let zByHead = try permute(z, [2, 0, 1, 3]).reshape([h, b * t, d])         // [H, B·T, D]
        let outputByHead = try permute(a.output.reshape([dims.dModel, h, d]), [1, 0, 2])  // [H, d_model, D]
        let perHead = try matmul(zByHead, outputByHead, transposeB: true)           // [H, B·T, d_model]
        let result = try hooks("\(name).hook_result", permute(perHead.reshape([h, b, t, dims.dModel]), [1, 2, 0, 3]))
        let summed = try sum(result, axis: 2)
        guard let bias = a.outputBias else { return summed }
        return try summed + bias
    }

    /// MLP of block l on normalised input x [B, T, d_model] → [B, T, d_model].
    func mlp(_ l: Int, _ x: Tensor, hooks: Hooks) throws -> Tensor {
        let m = blocks[l].mlp
        let name = "blocks.\(l).mlp"
        let hidden: Tensor
        switch m.activation {
        case let .gelu(approximation):
            let pre = try hooks("\(name).hook_pre", linear(x, weight: m.input, bias: m.inputBias, layout: .outIn))
            hidden = try hooks("\(name).hook_post", gelu(pre, approximation: approximation))
        case .swiglu:
            guard let gateWeight = m.gate else { throw ModelError.unsupported("block \(l): SwiGLU MLP without a gate projection") }
            let gate = try hooks("\(name).hook_pre", linear(x, weight: gateWeight, bias: m.gateBias, layout: .outIn))
            let up = try hooks("\(name).hook_pre_linear", linear(x, weight: m.input, bias: m.inputBias, layout: .outIn))
            hidden = try hooks("\(name).hook_post", swiglu(gate: gate, up: up))
        }
        return try linear(hidden, weight: m.output, bias: m.outputBias, layout: .outIn)
    }
}
