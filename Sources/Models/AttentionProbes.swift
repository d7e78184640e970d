import Tensors

// A layer's queries, keys and attention pattern computed from any residual-stream
// tensor, with the forward pass's own pieces (the block's attention norm, the q/k
// projections with their biases, rotary at positions 0..<T, the layer's score scale
// and the causal softmax). Attribution uses them to recompute one head's pattern
// exactly with only its query or only its keys perturbed (AtP*'s QK fix).
//
// The batch axis is free: a caller may stack many perturbed copies of a batch
// along it and get every copy's queries and keys from one projection each.

extension Transformer {
    /// Layer l's attention norm of a residual stream x [N, T, d_model] → [N, T, d_model]:
    /// what the layer's query, key and value projections read.
    public func attentionNormalized(layer l: Int, residual x: Tensor) throws -> Tensor {
        try checkProbe(layer: l, residual: x)
        return try blocks[l].attentionNorm(x)
    }

    /// Layer l's queries, after bias and rotary, from the normalised input y [N, T, d_model]
    /// (see `attentionNormalized`) → [N, T, H, D]. Rotary uses `positions` — [T], or [N·T] for
    /// rows gathered from different places — and 0..<T when nil, as the forward pass does.
    public func attentionQueries(layer l: Int, normalized y: Tensor, positions: [Int]? = nil) throws -> Tensor {
        try checkProbe(layer: l, residual: y)
        let a = blocks[l].attention
        let q = try linear(y, weight: a.query, bias: a.queryBias, layout: .outIn)
            .reshape([y.shape[0], y.shape[1], dims.heads, dims.headDim])
        return try rotated(q, positions: positions ?? Array(0..<y.shape[1]))
    }

    /// Layer l's keys, after bias and rotary, from the normalised input y [N, T, d_model]
    /// → [N, T, KV, D] (one per key/value head; query head h reads kv head h / (H / KV)).
    /// `positions` as for `attentionQueries`.
    public func attentionKeys(layer l: Int, normalized y: Tensor, positions: [Int]? = nil) throws -> Tensor {
        try checkProbe(layer: l, residual: y)
        let a = blocks[l].attention
        let k = try linear(y, weight: a.key, bias: a.keyBias, layout: .outIn)
            .reshape([y.shape[0], y.shape[1], dims.kvHeads, dims.headDim])
        return try rotated(k, positions: positions ?? Array(0..<y.shape[1]))
    }

    /// Layer l's queries and keys from a residual stream x [N, T, d_model], sharing one norm:
    /// ([N, T, H, D], [N, T, KV, D]).
    public func attentionQueriesAndKeys(layer l: Int, residual x: Tensor) throws -> (queries: Tensor, keys: Tensor) {
        let y = try attentionNormalized(layer: l, residual: x)
        return (try attentionQueries(layer: l, normalized: y), try attentionKeys(layer: l, normalized: y))
    }

    /// Layer l's causal attention pattern from queries [N, T, H, D] and keys [N, S, KV, D]
    /// → [N, H, T, S], exactly as the forward pass computes `hook_pattern`.
    public func attentionPattern(layer l: Int, queries q: Tensor, keys k: Tensor) throws -> Tensor {
        guard blocks.indices.contains(l) else { throw ModelError.unsupported("attention probe: no layer \(l) in \(dims.layers)") }
        return try softmax(attentionScores(query: q, key: k, scale: blocks[l].attention.scale), causal: true)
    }

    private func rotated(_ x: Tensor, positions: [Int]) throws -> Tensor {
        guard let rotary else { return x }
        return try Tensors.rotary(x, positions: positions, rotary)
    }

    private func checkProbe(layer l: Int, residual x: Tensor) throws {
        guard blocks.indices.contains(l) else { throw ModelError.unsupported("attention probe: no layer \(l) in \(dims.layers)") }
        guard x.rank == 3, x.shape[2] == dims.dModel else {
            throw TensorError.shapeMismatch(op: "attention probe", lhs: x.shape, rhs: [-1, -1, dims.dModel])
        }
    }
}
