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
// Per group of consecutive layers (A changed rows; U the sources upstream of the group's last
// destination):
//   G = [normᵀ(perHead(dRole [A, H·D], W_role)) for role q, k, v; ∂m/∂mlp_in (; ∂m/∂resid_post)] per layer
//   scores[0..<U, the group's columns] = Δ[0..<U, A·d] · Gᵀ
// one product per group, G built in place in one buffer; only each destination's upstream rows
// are added as edges. A layer's 3H + 1 columns alone are too narrow a product for BLAS (about
// 40 GFLOP/s against 100 for six GPT-2-small layers' 222 on one 2-core host), so layers are
// grouped while G stays under `groupBytes`, at the price of products with sources downstream of
// the group's earlier layers, which are computed and never added.
//
// EAP-IG's scores are linear in the gradients: its K runs' G are summed per group
// (`addDestinations`) and multiplied once, when the sums fit in `sumBytes`.

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

    /// Largest destination buffer G of one group of layers, in bytes, by default.
    static let defaultGroupBytes = 256 << 20
    /// Largest destination buffer G of one group of layers, in bytes (tests set it small to
    /// make a group of every layer).
    let groupBytes: Int
    /// EAP-IG's edge scores are Δ · (Σ_k ∇_k)/K: the destination gradients of its K runs are
    /// summed first and multiplied once when the sums (one [columns, A·d] per layer group) fit
    /// in this many bytes; otherwise each run is multiplied on its own.
    static let defaultSumBytes = 4 * defaultGroupBytes
    let sumBytes: Int

    init(_ model: Transformer, graph: ComponentGraph, corrupted: Run, clean: Run, rows: ChangedRows,
         groupBytes: Int = defaultGroupBytes, sumBytes: Int = defaultSumBytes) throws {
        self.model = model
        self.groupBytes = groupBytes
        self.sumBytes = sumBytes
        self.graph = graph
        self.rows = rows
        let width = rows.rows.count * model.dims.dModel
        func delta(_ name: String) throws -> Tensor {
            try rows.gather(corrupted.value(name), start: corrupted.start) - rows.gather(clean.value(name), start: clean.start)
        }
        var differences = Tensor.zeros([graph.sourceCount, width])
        try differences.assignRow(graph.sourceIndex(.input), delta("hook_embed"))
        for l in 0..<graph.layers {
            let dz = try delta("blocks.\(l).attn.hook_z")                                                // [A, H·D]
            try differences.assignPerHeadProducts(dz, heads: model.dims.heads, weight: model.blocks[l].attention.output,
                                                  blocks: .columns, atRow: graph.sourceIndex(.head(layer: l, head: 0)))
            try differences.assignRow(graph.sourceIndex(.mlp(layer: l)), delta("blocks.\(l).hook_mlp_out"))
        }
        self.differences = differences
    }

    /// Consecutive layers whose destinations share one product: as many as fit G in `groupBytes`,
    /// at least one.
    var layerGroups: [Range<Int>] {
        let rowBytes = differences.shape[1] * MemoryLayout<Float>.stride
        var groups: [Range<Int>] = [], start = 0, columns = 0
        for l in 0..<graph.layers {
            let layerColumns = columnCount(l..<(l + 1))
            if l > start, (columns + layerColumns) * rowBytes > groupBytes {
                groups.append(start..<l)
                (start, columns) = (l, 0)
            }
            columns += layerColumns
        }
        return graph.layers == 0 ? [] : groups + [start..<graph.layers]
    }

    /// Destinations of `layers`: 3H head inputs and the MLP input per layer, and the logits
    /// with the last layer.
    func columnCount(_ layers: Range<Int>) -> Int {
        layers.count * (3 * graph.heads + 1) + (layers.upperBound == graph.layers ? 1 : 0)
    }

    /// Adds `weight` × Δa_U · ∂m/∂input_D for every edge U → D, reading `run`'s gradients.
    func accumulate(into edges: inout [Double], gradients run: Run, weight: Double) throws {
        let groups = layerGroups
        var buffer = Tensor.zeros([groups.map(columnCount).max() ?? 0, differences.shape[1]])
        for group in groups {
            var row = 0
            for l in group { row += try writeDestinations(of: l, gradients: run, into: &buffer, atRow: row) }
            try addProducts(buffer, of: group, into: &edges, weight: weight)
        }
    }

    /// Whether sums of every destination's gradient fit in `sumBytes`.
    var canSumDestinations: Bool {
        graph.destinationCount * differences.shape[1] * MemoryLayout<Float>.stride <= sumBytes
    }

    /// Adds `run`'s destination gradients to `sums`, one [columns, A·d] per layer group (made on first use).
    func addDestinations(of run: Run, to sums: inout [Tensor]) throws {
        let groups = layerGroups
        if sums.isEmpty { sums = groups.map { Tensor.zeros([columnCount($0), differences.shape[1]]) } }
        var layer = Tensor.zeros([columnCount((graph.layers - 1)..<graph.layers), differences.shape[1]])
        for (g, group) in groups.enumerated() {
            var row = 0
            for l in group {
                let count = try writeDestinations(of: l, gradients: run, into: &layer, atRow: 0)
                try sums[g].addRows(layer, count: count, atRow: row)
                row += count
            }
        }
    }

    /// Adds `weight` × Δa_U · Σ (summed destination gradients) for every edge.
    func accumulate(into edges: inout [Double], summedDestinations sums: [Tensor], weight: Double) throws {
        for (group, sum) in zip(layerGroups, sums) { try addProducts(sum, of: group, into: &edges, weight: weight) }
    }

    /// Layer `l`'s destination gradients from `run`, written into `buffer` from row `row` on:
    /// its 3H head inputs (q, k, v), its MLP input and, for the last layer, the logits. Returns
    /// how many rows it wrote.
    private func writeDestinations(of l: Int, gradients run: Run, into buffer: inout Tensor, atRow first: Int) throws -> Int {
        let (h, kv) = (model.dims.heads, model.dims.kvHeads)
        let attention = model.blocks[l].attention, norm = model.blocks[l].attentionNorm
        let input = try rows.gather(run.value("blocks.\(l).hook_resid_pre"), start: run.start)  // [A, d]
        var row = first
        for (role, projection) in zip(["q", "k", "v"], [(attention.query, h), (attention.key, kv), (attention.value, kv)]) {
            let dOutput = try rows.gather(run.gradient("blocks.\(l).attn.hook_\(role)"), start: run.start)  // [A, H·D]
            try buffer.assignPerHeadProducts(dOutput, heads: h, weight: projection.0, blocks: .rows(groups: projection.1), atRow: row)
            row += h
        }
        // One norm backward for the layer's 3H rows, in place.
        try buffer.applyNormInputGradients(rows: first..<row, input: input, weight: norm.weight, eps: norm.eps,
                                           centered: norm.kind == .layerNorm)
        try buffer.assignRow(row, rows.gather(run.gradient("blocks.\(l).hook_mlp_in"), start: run.start))
        row += 1
        if l == graph.layers - 1 {
            try buffer.assignRow(row, rows.gather(run.gradient("blocks.\(l).hook_resid_post"), start: run.start))
            row += 1
        }
        return row - first
    }

    /// Adds `weight` × the products of Δ with the destinations of `group` (the leading rows of
    /// `buffer`) to the edges. Δ, the largest operand, is read once per group.
    private func addProducts(_ buffer: Tensor, of group: Range<Int>, into edges: inout [Double], weight: Double) throws {
        let columns = graph.destinationCount, count = columnCount(group)
        let allDestinations = graph.destinations
        let first = graph.destinationIndex(.head(layer: group.lowerBound, head: 0, .q))
        let upstream = allDestinations[first..<(first + count)].map(graph.upstreamCount).max() ?? 0
        let scores = try leadingRowProducts(differences, leadingRows: upstream, buffer, bRows: count)
        for j in 0..<count {
            let destination = allDestinations[first + j]
            // Sources past a destination's upstream ones give products that are not edges: never added.
            for s in 0..<graph.upstreamCount(of: destination) {
                edges[s * columns + first + j] += weight * Double(scores.storage[s * count + j])
            }
        }
    }
}
