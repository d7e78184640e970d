import Tensors

// The forward pass, shared by every architecture. Hook names follow
// TransformerLens: hook_embed, hook_pos_embed, blocks.{l}.hook_resid_pre|mid|post,
// blocks.{l}.hook_attn_in, blocks.{l}.attn.hook_q|k|v|rot_q|rot_k|attn_scores|pattern|z|result,
// blocks.{l}.hook_attn_out, blocks.{l}.hook_mlp_in, blocks.{l}.mlp.hook_pre|pre_linear|post,
// blocks.{l}.hook_mlp_out, ln_final.hook_normalized; with split attention inputs also
// blocks.{l}.hook_q_input|k_input|v_input.

/// How attention heads read the residual stream in a forward pass.
public enum AttentionInputs: Sendable, Equatable {
    /// One normalised input for every head: the ordinary forward.
    case shared
    /// Every head reads its own copy of the residual for its query, key and value
    /// (`blocks.{l}.hook_q_input|k_input|v_input`): the copies can be patched one by one
    /// (edge-level faithfulness) and each has its own gradient.
    case split
    /// The ordinary forward, except that under grouped-query attention keys and values
    /// are repeated per query head before `hook_k`/`hook_v`, so their gradients are per
    /// query head. The same values and gradients as `split` at `hook_q|k|v`, without the
    /// copies: edge attribution rebuilds each head's input gradient from them ("virtual
    /// split", `assignPerHeadProducts` and `applyNormInputGradients`).
    case sharedPerQueryHead
}

extension Transformer {
    /// Full-vocabulary logits at every position: [B, T, vocab].
    public func logits(_ batch: TokenBatch, hooks: Hooks? = nil, splitQKVInputs: Bool = false) throws -> Tensor {
        try unembed(finalResidual(batch, hooks: hooks, splitQKVInputs: splitQKVInputs))
    }

    /// x · W_Uᵀ over the last axis: [..., d_model] → [..., vocab].
    public func unembed(_ x: Tensor) throws -> Tensor {
        try linear(x, weight: unembeddingMatrix, layout: .outIn)
    }

    /// The residual stream after the final norm: [B, T, d_model].
    ///
    /// With `splitQKVInputs` (TransformerLens's `use_split_qkv_input`), every head reads
    /// its own copy of the residual stream for its query, key and value, at
    /// `blocks.{l}.hook_q_input|k_input|v_input` [B, T, H, d_model]. The values are the
    /// same, but each copy has its own gradient and can be patched on its own: this is
    /// what edge attribution and edge-level patching need. Under grouped-query
    /// attention each query head projects its own key/value copy with the shared
    /// key/value weights, so its `k`/`v` hooks are [B, T, H, D_head].
    public func finalResidual(_ batch: TokenBatch, hooks: Hooks? = nil, splitQKVInputs: Bool = false) throws -> Tensor {
        try finalResidual(batch, hooks: hooks, attentionInputs: splitQKVInputs ? .split : .shared)
    }

    /// `finalResidual` with the heads' inputs read as `attentionInputs` says.
    ///
    /// With a `prefix` (another run's keys and values of positions 0..<p over tokens equal
    /// to this batch's there), only positions p..<T are computed: every hook and the result
    /// hold those positions, [B, T − p, ...]. Causal attention makes this exact.
    public func finalResidual(_ batch: TokenBatch, hooks: Hooks? = nil, attentionInputs: AttentionInputs,
                              prefix: AttentionPrefix? = nil) throws -> Tensor {
        let hooks = hooks ?? Hooks()
        if let bad = batch.ids.first(where: { $0 < 0 || $0 >= dims.vocab }) {
            throw ModelError.tokenOutOfRange(id: bad, vocab: dims.vocab)
        }
        if positionEmbedding != nil, batch.length > dims.maxPositions {
            throw ModelError.sequenceTooLong(length: batch.length, maxPositions: dims.maxPositions)
        }
        let start = prefix?.length ?? 0
        if let prefix, prefix.keys.count != blocks.count || start >= batch.length || prefix.keys.first?.shape[0] != batch.batch {
            throw ModelError.unsupported("attention prefix of \(start) positions does not fit a batch of \(batch.batch) × \(batch.length)")
        }
        let (b, t) = (batch.batch, batch.length - start)
        let ids = (0..<b).flatMap { batch.ids[($0 * batch.length + start)..<(($0 + 1) * batch.length)] }
        var x = try hooks("hook_embed", embedding(tokenEmbedding, ids: ids, shape: [b, t]))
        let positions = Array(start..<batch.length)
        if let positionEmbedding {
            x = try x + hooks("hook_pos_embed", embedding(positionEmbedding, ids: (0..<b).flatMap { _ in positions }, shape: [b, t]))
        }
        for layer in blocks.indices {
            x = try block(layer, x, positions: positions, hooks: hooks, inputs: attentionInputs,
                          prefix: prefix.map { ($0.keys[layer], $0.values[layer]) })
        }
        return try hooks("ln_final.hook_normalized", finalNorm(x))
    }

    /// One block: x [B, T, d_model] → [B, T, d_model].
    func block(_ l: Int, _ x: Tensor, positions: [Int], hooks: Hooks, inputs: AttentionInputs,
               prefix: (keys: Tensor, values: Tensor)? = nil) throws -> Tensor {
        let block = blocks[l]
        let resid = try hooks("blocks.\(l).hook_resid_pre", x)
        let attention: Tensor
        if inputs == .split {
            let (b, t, d) = (resid.shape[0], resid.shape[1], resid.shape[2])
            let copies = try concat(Array(repeating: resid.reshape([b, t, 1, d]), count: dims.heads), axis: 2)
            let inputs = try ["q", "k", "v"].map { try block.attentionNorm(hooks("blocks.\(l).hook_\($0)_input", copies)) }
            attention = try splitAttention(l, q: inputs[0], k: inputs[1], v: inputs[2], positions: positions, hooks: hooks,
                                           prefix: prefix)
        } else {
            let attnIn = try hooks("blocks.\(l).hook_attn_in", resid)
            attention = try self.attention(l, block.attentionNorm(attnIn), positions: positions, hooks: hooks,
                                           keyValuePerQueryHead: inputs == .sharedPerQueryHead, prefix: prefix)
        }
        let attnOut = try hooks("blocks.\(l).hook_attn_out", attention)
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
    /// With `keyValuePerQueryHead`, grouped keys and values are repeated to one per query
    /// head (transformers' repeat_kv, recorded), so each query head's use has its own gradient.
    func attention(_ l: Int, _ x: Tensor, positions: [Int], hooks: Hooks, keyValuePerQueryHead: Bool = false,
                   prefix: (keys: Tensor, values: Tensor)? = nil) throws -> Tensor {
        let a = blocks[l].attention
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, kv, d) = (dims.heads, dims.kvHeads, dims.headDim)
        let q = try linear(x, weight: a.query, bias: a.queryBias, layout: .outIn).reshape([b, t, h, d])
        var k = try linear(x, weight: a.key, bias: a.keyBias, layout: .outIn).reshape([b, t, kv, d])
        var v = try linear(x, weight: a.value, bias: a.valueBias, layout: .outIn).reshape([b, t, kv, d])
        if keyValuePerQueryHead && kv < h {
            // Row (b·T + t)·H + h of the result is row (b·T + t)·KV + h/(H/KV) of the grouped one.
            let rows = (0..<(b * t)).flatMap { bt in (0..<h).map { bt * kv + $0 / (h / kv) } }
            k = try gatherRows(k.reshape([b * t * kv, d]), rows).reshape([b, t, h, d])
            v = try gatherRows(v.reshape([b * t * kv, d]), rows).reshape([b, t, h, d])
        }
        return try attentionCore(l, q: q, k: k, v: v, positions: positions, hooks: hooks, prefix: prefix)
    }

    /// Attention of block l when each head reads its own normalised inputs [B, T, H, d_model].
    func splitAttention(_ l: Int, q: Tensor, k: Tensor, v: Tensor, positions: [Int], hooks: Hooks,
                        prefix: (keys: Tensor, values: Tensor)? = nil) throws -> Tensor {
        let a = blocks[l].attention
        return try attentionCore(
            l,
            q: projectPerHead(q, weight: a.query, bias: a.queryBias, groups: dims.heads),
            k: projectPerHead(k, weight: a.key, bias: a.keyBias, groups: dims.kvHeads),
            v: projectPerHead(v, weight: a.value, bias: a.valueBias, groups: dims.kvHeads),
            positions: positions, hooks: hooks, prefix: prefix)
    }

    /// Projects each head's own input with its weight group's rows: x [B, T, H, d_model],
    /// weight [G·D_head, d_model] for G groups of H/G consecutive heads → [B, T, H, D_head].
    /// One batched product per group; shared key/value weights are never copied.
    func projectPerHead(_ x: Tensor, weight: Tensor, bias: Tensor?, groups: Int) throws -> Tensor {
        let (b, t, h, dm) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let d = dims.headDim
        let rows = try permute(x, [2, 0, 1, 3]).reshape([groups, (h / groups) * b * t, dm])       // [G, (H/G)·B·T, d_model]
        var projected = try matmul(rows, weight.reshape([groups, d, dm]), transposeB: true)       // [G, (H/G)·B·T, D]
        if let bias { projected = try projected + bias.reshape([groups, 1, d]) }
        return try permute(projected.reshape([h, b, t, d]), [1, 2, 0, 3])
    }

    /// Everything after the q/k/v projections: q [B, T, H, D], k, v [B, T, KV or H, D].
    /// A prefix's keys and values [B, P, ·, D] (rotated) go before this run's: queries at
    /// positions P..<P+T see them all (the causal softmax offsets its mask by S − T).
    func attentionCore(_ l: Int, q: Tensor, k: Tensor, v: Tensor, positions: [Int], hooks: Hooks,
                       prefix: (keys: Tensor, values: Tensor)? = nil) throws -> Tensor {
        let a = blocks[l].attention
        let (b, t) = (q.shape[0], q.shape[1])
        let (h, d) = (dims.heads, dims.headDim)
        let name = "blocks.\(l).attn"
        var q = try hooks("\(name).hook_q", q)
        var k = try hooks("\(name).hook_k", k)
        var v = try hooks("\(name).hook_v", v)
        if let rotary {
            q = try hooks("\(name).hook_rot_q", Tensors.rotary(q, positions: positions, rotary))
            k = try hooks("\(name).hook_rot_k", Tensors.rotary(k, positions: positions, rotary))
        }
        if let prefix {
            k = try concat([prefix.keys, k], axis: 1)
            v = try concat([prefix.values, v], axis: 1)
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
