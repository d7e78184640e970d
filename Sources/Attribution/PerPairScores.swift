import Models
import Tensors

// Per-pair variants of the node estimates in Runs.swift. `sourceOutputScores` sums
// over the whole batch; GradDrop needs |estimate| per pair before averaging, so these
// keep one value per pair: Σ over that pair's positions and features only.

/// Node attribution patching per pair: [source][pair] = Σ_{positions, features of pair b}
/// Δoutput · ∂m/∂output, sources in graph order. The batch-summed `sourceOutputScores`
/// is the sum over pairs of these.
func perPairSourceOutputScores(_ model: Transformer, graph: ComponentGraph, corrupted: Run, clean: Run,
                               gradients: Run, pairs: Int) throws -> [[Double]] {
    func difference(_ name: String) throws -> Tensor {
        try corrupted.value(name).detached() - clean.value(name).detached()
    }
    var scores = [try pairDots(difference("hook_embed"), gradients.gradient("hook_embed"), pairs: pairs)]
    for l in 0..<graph.layers {
        let z = "blocks.\(l).attn.hook_z"
        scores += try headPairDots(difference(z), gradients.gradient(z), heads: graph.heads, pairs: pairs)
        let mlp = "blocks.\(l).hook_mlp_out"
        scores.append(try pairDots(difference(mlp), gradients.gradient(mlp), pairs: pairs))
    }
    return scores
}

/// Σ a ⊙ b within each pair, for tensors whose leading axis is the pair: [pairs], in Double.
func pairDots(_ a: Tensor, _ b: Tensor, pairs: Int) throws -> [Double] {
    guard a.shape == b.shape, pairs > 0, a.count % pairs == 0 else {
        throw TensorError.shapeMismatch(op: "pairDots", lhs: a.shape, rhs: b.shape)
    }
    let width = a.count / pairs
    return a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            (0..<pairs).map { p in
                var total = 0.0
                for i in (p * width)..<((p + 1) * width) { total += Double(pa[i]) * Double(pb[i]) }
                return total
            }
        }
    }
}

/// Σ a ⊙ b per head and pair for [B, T, H, D] tensors: [head][pair], in Double.
func headPairDots(_ a: Tensor, _ b: Tensor, heads: Int, pairs: Int) throws -> [[Double]] {
    guard a.shape == b.shape, a.rank == 4, a.shape[0] == pairs, a.shape[2] == heads else {
        throw TensorError.shapeMismatch(op: "headPairDots", lhs: a.shape, rhs: b.shape)
    }
    let (t, d) = (a.shape[1], a.shape[3])
    var out = [[Double]](repeating: [Double](repeating: 0, count: pairs), count: heads)
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            for p in 0..<pairs {
                for position in 0..<t {
                    for h in 0..<heads {
                        let start = ((p * t + position) * heads + h) * d
                        var total = 0.0
                        for i in start..<(start + d) { total += Double(pa[i]) * Double(pb[i]) }
                        out[h][p] += total
                    }
                }
            }
        }
    }
    return out
}

/// The linear (EAP) estimate of every q and k edge, summed per source and pair:
/// [source][pair] = Σ_{l, h, role ∈ {q, k}} Σ_{positions, features of pair b} ΔA_U · ∂m/∂(role input of a{l}.h{h}),
/// from a run without split inputs. The sum over heads and roles of those input gradients is
/// the gradient at layer l's residual through its queries and keys only,
/// g_l = J_qᵀ ∂m/∂q + J_kᵀ ∂m/∂k (norm, projection, bias, rotary), re-derived on a small tape
/// from the run's gradients at the (rotated) queries and keys. Then per pair, every
/// (source, layer) dot product is one product [sources, T·d] · [T·d, layers].
func perPairLinearQKScores(_ model: Transformer, graph: ComponentGraph, inputs: QKFixInputs,
                           gradients run: Run) throws -> [[Double]] {
    let (b, layers) = (inputs.pairs, graph.layers)
    var columns: [Tensor] = []
    for l in 0..<layers {
        let (queryHook, keyHook) = QKFixInputs.queryKeyHooks(model, layer: l)
        let g = try queryKeyInputGradient(model, layer: l, residual: inputs.residuals[l],
                                          query: run.gradient(queryHook).detached(), key: run.gradient(keyHook).detached())
        columns.append(try g.reshape([b, -1, 1]))
    }
    let gradients = try concat(columns, axis: 2)                                      // [B, T·d, layers]
    let sources = graph.sourceCount
    let differences = try inputs.differences.reshape([sources, b, -1])
    var scores = [[Double]](repeating: [Double](repeating: 0, count: b), count: sources)
    for p in 0..<b {
        // One pair at a time keeps the copy of its differences small.
        let dots = try matmul(slice(differences, axis: 1, p..<(p + 1)).reshape([sources, -1]),
                              slice(gradients, axis: 0, p..<(p + 1)).reshape([-1, layers]))   // [sources, layers]
        for l in 0..<layers {
            for u in 0..<graph.upstreamCount(of: .head(layer: l, head: 0, .q)) {
                scores[u][p] += Double(dots.storage[u * layers + l])
            }
        }
    }
    return scores
}

/// ∂/∂x of Σ q(x) ⊙ g_q + Σ k(x) ⊙ g_k for layer l's rotated queries and keys of the residual
/// x [B, T, d_model]: the gradient reaching x through the queries and keys alone. [B, T, d_model]
func queryKeyInputGradient(_ model: Transformer, layer l: Int, residual x: Tensor, query gq: Tensor, key gk: Tensor) throws -> Tensor {
    let tape = Tape()
    let input = tape.watch(x)
    let (q, k) = try model.attentionQueriesAndKeys(layer: l, residual: input)
    let total = try sumAll(q * gq) + sumAll(k * gk)
    return try tape.backward(from: total)[input]
}
