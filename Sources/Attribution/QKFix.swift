import Models
import Tensors

// AtP*'s QK fix (Kramár et al. 2024, §3.1.1), on edges into a head's query or key input.
//
// The linear estimate of an edge U → a{l}.h{h}<q> goes through the attention softmax,
// which it gets badly wrong when the pattern is saturated. The fix keeps the
// linearisation only after the pattern: for each upstream source U
//
//   x'      = x + ΔA_U                               (clean residual entering layer l, plus U's change)
//   q'      = rotary(norm(x') W_Qᵀ + b_Q)            (every head of layer l at once)
//   P'_h    = causal softmax(scale · q'_h k_hᵀ)      (clean keys k_h)
//   score   = Σ_{positions t, s} ∂m/∂P_h · (P'_h − P_h)
//
// and likewise for <k> with the keys k' = rotary(norm(x') W_Kᵀ + b_K) against the clean
// queries (query head h uses kv head h / (H / KV)'s new keys: its own copy). The
// gradient ∂m/∂P is read at `blocks.{l}.attn.hook_pattern` of a recorded run; several
// gradient runs (GradDrop's) share one computation of P' − P.
//
// Work per layer, in chunks of sources: one norm of the perturbed rows, shared by q and k
// and by every head, then one W_Q and one W_K product over all of them (BLAS). Rows where
// ΔA_U is zero (positions before a pair's first differing token, most positions of the
// input's difference) keep their clean queries and keys and are skipped. Patterns go
// through the forward's own attention kernels; the contraction with the pattern gradients
// is one batched product [B·H] × ([sources, T·S] · [T·S, runs]).

/// Fixed q/k edge scores per pair, for one gradient run.
struct QKEdgeTable: Sendable {
    let heads: Int
    let pairs: Int
    /// Per layer l: [upstream source u][role: q = 0, k = 1][head][pair], flattened in that order.
    var layers: [[Double]]

    init(graph: ComponentGraph, pairs: Int) {
        heads = graph.heads
        self.pairs = pairs
        layers = (0..<graph.layers).map { l in
            [Double](repeating: 0, count: graph.upstreamCount(of: .head(layer: l, head: 0, .q)) * 2 * graph.heads * pairs)
        }
    }

    func index(source u: Int, role: Int, head h: Int, pair p: Int) -> Int {
        ((u * 2 + role) * heads + h) * pairs + p
    }

    /// Σ over every q and k edge leaving each source: [source][pair].
    func perSourceSums(sourceCount: Int) -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: pairs), count: sourceCount)
        for values in layers {
            let perSource = 2 * heads * pairs
            for u in 0..<(values.count / perSource) {
                for i in 0..<perSource { out[u][i % pairs] += values[u * perSource + i] }
            }
        }
        return out
    }

    /// Adds each q/k edge's sum over pairs to a [sources × destinations] edge matrix.
    func addPairSums(to edges: inout [Double], graph: ComponentGraph) {
        let roles: [ComponentGraph.Destination.Role] = [.q, .k]
        for (l, values) in layers.enumerated() {
            for u in 0..<graph.upstreamCount(of: .head(layer: l, head: 0, .q)) {
                for (r, role) in roles.enumerated() {
                    for h in 0..<heads {
                        let start = index(source: u, role: r, head: h, pair: 0)
                        let total = values[start..<(start + pairs)].reduce(0, +)
                        edges[u * graph.destinationCount + graph.destinationIndex(.head(layer: l, head: h, role))] += total
                    }
                }
            }
        }
    }
}

/// What the QK fix needs from the clean run of a batch.
struct QKFixInputs {
    /// Source output differences (corrupted − clean) [sources, B·T·d_model], detached.
    let differences: Tensor
    /// Clean residual stream entering each layer (`hook_resid_pre`) [B, T, d_model], detached.
    let residuals: [Tensor]
    let pairs: Int

    /// Hook points a gradient run must capture for the fix: each layer's residual input,
    /// pattern, and (rotated) queries and keys.
    static func hookNames(_ model: Transformer) -> [String] {
        (0..<model.dims.layers).flatMap { l in
            let (q, k) = queryKeyHooks(model, layer: l)
            return ["blocks.\(l).hook_resid_pre", "blocks.\(l).attn.hook_pattern", q, k]
        }
    }

    /// Where layer l's queries and keys enter the scores: after rotary when the model has it.
    static func queryKeyHooks(_ model: Transformer, layer l: Int) -> (query: String, key: String) {
        let prefix = model.rotary == nil ? "blocks.\(l).attn.hook_" : "blocks.\(l).attn.hook_rot_"
        return (prefix + "q", prefix + "k")
    }

    init(model: Transformer, graph: ComponentGraph, corrupted: Run, clean: Run, pairs: Int) throws {
        differences = try sourceOutputDifferences(model, graph: graph, corrupted: corrupted, clean: clean).detached()
        residuals = try (0..<graph.layers).map { try clean.value("blocks.\($0).hook_resid_pre").detached() }
        self.pairs = pairs
    }
}

/// Rows of (sources × B·T) processed together, bounding the largest intermediate to about
/// this many floats (4 MB: larger chunks cost more in fresh pages than they gain in BLAS size).
let qkFixChunkFloats = 1 << 20

/// The fixed q/k edge scores, per pair, for every gradient run: `patternGradients[r][l]` is
/// run r's gradient at `blocks.{l}.attn.hook_pattern` [B, H, T, T] (see `patternGradients`).
/// One table per run, in the order given.
func qkFixedEdges(_ model: Transformer, graph: ComponentGraph, inputs: QKFixInputs,
                  patternGradients runs: [[Tensor]]) throws -> [QKEdgeTable] {
    let (b, h) = (inputs.pairs, graph.heads)
    var tables = runs.map { _ in QKEdgeTable(graph: graph, pairs: b) }
    for l in 0..<graph.layers {
        let x = inputs.residuals[l]                                                            // [B, T, d]
        let t = x.shape[1], dm = x.shape[2]
        let (queries, keys) = try model.attentionQueriesAndKeys(layer: l, residual: x)          // [B,T,H,D], [B,T,KV,D]
        let pattern = try model.attentionPattern(layer: l, queries: queries, keys: keys)       // [B, H, T, T]
        // Pattern gradients of every run, as [B·H, T·T, runs] for one batched product.
        let stacked = try concat(runs.map { try $0[l].reshape([1, b * h, t * t]) }, axis: 0)
        let gradientColumns = try permute(stacked, [1, 2, 0])                             // [B·H, T·T, runs]
        let upstream = graph.upstreamCount(of: .head(layer: l, head: 0, .q))
        let perSource = b * t * max(dm, h * t, h * model.dims.headDim)
        let chunk = max(1, min(upstream, qkFixChunkFloats / max(perSource, 1)))
        for start in stride(from: 0, to: upstream, by: chunk) {
            let c = min(chunk, upstream - start)
            // Only rows where ΔA_U is nonzero move: elsewhere x + ΔA_U is x exactly and the
            // queries and keys stay the clean ones, so those rows skip the norm and projections.
            // (Causally, no source changes a position before a pair's first differing token.)
            let moved = try changedRows(inputs.differences, sources: start..<(start + c), residual: x)
            if moved.rows.isEmpty { continue }
            let positions = moved.rows.map { $0 % t }
            let normalized = try model.attentionNormalized(layer: l, residual: moved.shifted)       // [n, 1, d]
            let cleanQueries = try repeated(queries, c), cleanKeys = try repeated(keys, c)       // [c·B, T, H|KV, D]
            let newQueries = try overwriting(cleanQueries, rows: moved.rows,
                                             with: model.attentionQueries(layer: l, normalized: normalized, positions: positions))
            let newKeys = try overwriting(cleanKeys, rows: moved.rows,
                                          with: model.attentionKeys(layer: l, normalized: normalized, positions: positions))
            let perturbed = [
                try model.attentionPattern(layer: l, queries: newQueries, keys: cleanKeys),
                try model.attentionPattern(layer: l, queries: cleanQueries, keys: newKeys),
            ]
            for (role, newPattern) in perturbed.enumerated() {
                let change = try newPattern.reshape([c, b * h, t * t]) - pattern.reshape([1, b * h, t * t])
                let scores = try matmul(permute(change, [1, 0, 2]), gradientColumns)              // [B·H, c, runs]
                scores.storage.withUnsafeBufferPointer { s in
                    for pair in 0..<b {
                        for head in 0..<h {
                            for u in 0..<c {
                                let base = ((pair * h + head) * c + u) * runs.count
                                let at = tables[0].index(source: start + u, role: role, head: head, pair: pair)
                                for r in runs.indices { tables[r].layers[l][at] = Double(s[base + r]) }
                            }
                        }
                    }
                }
            }
        }
    }
    return tables
}

/// A recorded run's gradients at every layer's pattern, detached: [layer] of [B, H, T, T].
func patternGradients(_ run: Run, layers: Int) throws -> [Tensor] {
    try (0..<layers).map { try run.gradient("blocks.\($0).attn.hook_pattern").detached() }
}

/// The rows (source u − first, pair, position), flattened, where a source's difference is
/// nonzero, and x + ΔA_U at those rows as [n, 1, d_model].
/// differences: [sources, B·T·d_model]; residual x: [B, T, d_model].
private func changedRows(_ differences: Tensor, sources: Range<Int>, residual x: Tensor) throws
    -> (rows: [Int], shifted: Tensor) {
    let dm = x.shape[2], rowsPerSource = x.count / dm
    var rows: [Int] = []
    var shifted: [Float] = []
    shifted.reserveCapacity(differences.count / max(differences.shape[0], 1) * sources.count)
    differences.storage.withUnsafeBufferPointer { pd in
        x.storage.withUnsafeBufferPointer { px in
            for (local, u) in sources.enumerated() {
                for row in 0..<rowsPerSource {
                    let delta = pd.baseAddress! + (u * rowsPerSource + row) * dm
                    guard (0..<dm).contains(where: { delta[$0] != 0 }) else { continue }
                    rows.append(local * rowsPerSource + row)
                    let base = px.baseAddress! + row * dm
                    for i in 0..<dm { shifted.append(base[i] + delta[i]) }
                }
            }
        }
    }
    return (rows, try Tensor(shape: [rows.count, 1, dm], storage: shifted))
}

/// `x` [N, T, G, D] with the flattened (N·T) rows `rows` replaced by `values` [rows.count, 1, G, D].
private func overwriting(_ x: Tensor, rows: [Int], with values: Tensor) throws -> Tensor {
    let width = x.shape[2] * x.shape[3]
    guard values.count == rows.count * width else {
        throw TensorError.shapeMismatch(op: "overwriting rows", lhs: x.shape, rhs: values.shape)
    }
    var storage = x.storage
    storage.withUnsafeMutableBufferPointer { out in
        values.storage.withUnsafeBufferPointer { v in
            for (i, row) in rows.enumerated() {
                (out.baseAddress! + row * width).update(from: v.baseAddress! + i * width, count: width)
            }
        }
    }
    return try Tensor(shape: x.shape, storage: storage)
}

/// `x` [N, ...] repeated `times` along the batch axis → [times·N, ...].
private func repeated(_ x: Tensor, _ times: Int) throws -> Tensor {
    times == 1 ? x : try concat(Array(repeating: x, count: times), axis: 0)
}
