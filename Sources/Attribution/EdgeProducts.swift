import Models
import Tensors

// EAP's edge scores as a few batched products, from one ordinary (unsplit) recorded run.
//
//   score(U → D) = Σ_{b,t} Δa_U[b,t] · ∂m/∂input_D[b,t]        Δa = a_corrupted − a_clean
//
// Two facts keep this cheap:
// - Rows before a pair's first differing token have Δa = 0 for every source (causal
//   attention: the prefix is computed from identical tokens), so only the changed rows
//   (b, t ≥ first difference) enter any product — 22 of 32 rows on the benchmark.
// - Head h's q/k/v input gradient is rebuilt from the gradient at its projection's output
//   ("virtual split"): ∂m/∂input_{h,q} = LNᵀ(dQ_h · W_Q,h), with the norm's backward taken
//   once per head on the shared input. The forward never makes per-head copies.
//
// Per layer l (A changed rows, U_l sources upstream of the layer's MLP; all sources for the last):
//   G = normᵀ(perHead(dRole [A, H·D], W_role)) for role q, k, v    [3H, A·d]
//   scores[0..<U_l, columns of layer l] = Δ[0..<U_l, A·d] · [G; ∂m/∂mlp_in (; ∂m/∂resid_post)]ᵀ
// one product per layer; only each destination's upstream rows are added as edges.

/// Flat rows b·T + t of a pair batch where the clean and corrupted prompts can differ:
/// from each pair's first differing token to its last real token.
struct ChangedRows {
    let rows: [Int]
    /// T, the batch's padded length.
    let length: Int
    /// Positions every pair's two prompts share, which the corrupted run can take from the
    /// clean run (AttentionPrefix): the earliest first difference, and never past a pair's
    /// last real token (whose metric the corrupted run still computes).
    let sharedPrefix: Int

    init(_ batch: PairBatch) {
        let (clean, corrupted) = (batch.clean, batch.corrupted)
        var rows: [Int] = []
        var shared = clean.length
        for b in 0..<clean.batch {
            let start = b * clean.length, length = clean.lengths[b]
            let first = (0..<length).first(where: { clean.ids[start + $0] != corrupted.ids[start + $0] })
            shared = min(shared, first ?? (length - 1))
            guard let first else { continue }
            rows += (start + first)..<(start + length)
        }
        self.rows = rows
        self.length = clean.length
        self.sharedPrefix = shared
    }

    /// `tensor` [B, T − start, ...] (a run from position `start` on) viewed as
    /// [B·(T − start), width], at the changed rows: [A, width].
    func gather(_ tensor: Tensor, start: Int = 0) throws -> Tensor {
        let width = tensor.count / max(tensor.shape[0] * tensor.shape[1], 1)
        let computed = length - start
        let indices = start == 0 ? rows : rows.map { ($0 / length) * computed + $0 % length - start }
        return try gatherRows(tensor.detached().reshape([-1, width]), indices)
    }
}

/// The source-output differences of one pair batch at its changed rows, and the edge
/// products of any recorded `sharedPerQueryHead` run's gradients with them.
struct EdgeProducts {
    let model: Transformer
    let graph: ComponentGraph
    let rows: ChangedRows
    /// Δa for every source in graph order, [sources, A·d_model]: the embedding, each head's
    /// write z_h · W_O,hᵀ (no output bias), each MLP's output.
    let differences: Tensor

    init(_ model: Transformer, graph: ComponentGraph, corrupted: Run, clean: Run, rows: ChangedRows) throws {
        self.model = model
        self.graph = graph
        self.rows = rows
        let (h, dm) = (model.dims.heads, model.dims.dModel)
        let width = rows.rows.count * dm
        func delta(_ name: String) throws -> Tensor {
            try rows.gather(corrupted.value(name), start: corrupted.start) - rows.gather(clean.value(name), start: clean.start)
        }
        var storage = [Float]()
        storage.reserveCapacity(graph.sourceCount * width)
        storage += try delta("hook_embed").storage
        for l in 0..<graph.layers {
            let dz = try delta("blocks.\(l).attn.hook_z")                                            // [A, H·D]
            storage += try perHeadProducts(dz, heads: h, weight: model.blocks[l].attention.output, blocks: .columns).storage  // [H, A, d]
            storage += try delta("blocks.\(l).hook_mlp_out").storage
        }
        differences = try Tensor(shape: [graph.sourceCount, width], storage: storage)
    }

    /// Adds `weight` × Δa_U · ∂m/∂input_D for every edge U → D, reading `run`'s gradients.
    func accumulate(into edges: inout [Double], gradients run: Run, weight: Double) throws {
        let (h, kv) = (model.dims.heads, model.dims.kvHeads)
        let columns = graph.destinationCount
        let last = graph.layers - 1
        let allDestinations = graph.destinations
        for l in 0..<graph.layers {
            let attention = model.blocks[l].attention, norm = model.blocks[l].attentionNorm
            let input = try rows.gather(run.value("blocks.\(l).hook_resid_pre"), start: run.start)  // [A, d]
            let projections = [(attention.query, h), (attention.key, kv), (attention.value, kv)]
            let perHead = try zip(["q", "k", "v"], projections).map { role, projection in
                let dOutput = try rows.gather(run.gradient("blocks.\(l).attn.hook_\(role)"), start: run.start)  // [A, H·D]
                return try perHeadProducts(dOutput, heads: h, weight: projection.0, blocks: .rows(groups: projection.1))
            }
            // One norm backward for the 3H copies, then ONE product per layer with every
            // destination of the layer (the last layer's also with the logits): Δ, the
            // largest operand, is read once per layer rather than once per role.
            let headInputs = try normInputGradients(concat(perHead, axis: 0), input: input, weight: norm.weight,
                                                     eps: norm.eps, centered: norm.kind == .layerNorm).reshape([3 * h, -1])
            var destinations = [headInputs, try rows.gather(run.gradient("blocks.\(l).hook_mlp_in"), start: run.start).reshape([1, -1])]
            if l == last {
                destinations.append(try rows.gather(run.gradient("blocks.\(l).hook_resid_post"), start: run.start).reshape([1, -1]))
            }
            // Sources past a destination's upstream ones give products that are not edges: never added.
            let upstream = l == last ? graph.sourceCount : graph.upstreamCount(of: .mlp(layer: l))
            let scores = try leadingRowProducts(differences, leadingRows: upstream, [concat(destinations, axis: 0)])
            let width = scores.shape[1], first = graph.destinationIndex(.head(layer: l, head: 0, .q))
            for j in 0..<width {
                let destination = allDestinations[first + j]
                for s in 0..<graph.upstreamCount(of: destination) {
                    edges[s * columns + first + j] += weight * Double(scores.storage[s * width + j])
                }
            }
        }
    }
}
