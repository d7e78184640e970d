import Models
import Tensors

/// What one forward pass over a pair batch gives attribution: every graph source's
/// output, the metric per pair and — on a recorded run — the gradients at every
/// graph destination's input and source's output.
struct Run {
    let hooks: Hooks
    /// Metric per pair [B].
    let metric: Tensor
    let gradients: Gradients?
    /// The clean run's last-token log-probabilities (for `kl`), detached.
    let cleanLogProbs: Tensor?
    /// First position computed: > 0 when the run reused another run's attention prefix, and
    /// then every hook value holds positions start..<T only.
    var start = 0

    /// Hook names a run captures: source outputs and destination inputs (for a
    /// `sharedPerQueryHead` run, what the heads' input gradients are rebuilt from: the
    /// projections' outputs and the residual the attention norm reads).
    static func hookNames(layers: Int, inputs: AttentionInputs) -> [String] {
        var names = ["hook_embed"]
        for l in 0..<layers {
            names += ["blocks.\(l).attn.hook_z", "blocks.\(l).hook_mlp_out", "blocks.\(l).hook_mlp_in"]
            switch inputs {
            case .shared: break
            case .split: names += ["q", "k", "v"].map { "blocks.\(l).hook_\($0)_input" }
            case .sharedPerQueryHead: names += ["q", "k", "v"].map { "blocks.\(l).attn.hook_\($0)" } + ["blocks.\(l).hook_resid_pre"]
            }
        }
        return names + ["blocks.\(layers - 1).hook_resid_post"]
    }

    /// Runs `tokens` with the pairs' answers and foils. With `record`, a tape records the
    /// run and the summed metric is differentiated once (activation gradients only).
    /// `embedding` replaces the token embedding (EAP-IG's interpolation); `intervene`
    /// adds any other patch.
    static func run(_ model: Transformer, metric: Metric, tokens: TokenBatch, pairs: PairBatch,
                    record: Bool, inputs: AttentionInputs, cleanLogProbs: Tensor? = nil, embedding: Tensor? = nil,
                    prefix: AttentionPrefix? = nil, intervene: ((Hooks) -> Void)? = nil) throws -> Run {
        let tape = record ? Tape() : nil
        let hooks = Hooks(tape: tape)
        hooks.capture(hookNames(layers: model.dims.layers, inputs: inputs))
        if let embedding { hooks.intervene("hook_embed") { _ in embedding } }
        intervene?(hooks)
        let normalized = try model.finalResidual(tokens, hooks: hooks, attentionInputs: inputs, prefix: prefix)
        let start = prefix?.length ?? 0
        let lastRows = tokens.lengths.enumerated().map { $0.offset * (tokens.length - start) + $0.element - 1 - start }
        let reference = try cleanLogProbs ?? metric.cleanLogProbs(model, normalized: normalized, lastRows: lastRows)
        let values = try metric.perPair(model, normalized: normalized, lastRows: lastRows,
                                        answers: pairs.answerIds, foils: pairs.foilIds, cleanLogProbs: reference)
        let gradients = try tape.map { try $0.backward(from: sumAll(values)) }
        return Run(hooks: hooks, metric: values.detached(), gradients: gradients, cleanLogProbs: reference, start: start)
    }

    func value(_ name: String) throws -> Tensor { try hooks.value(name) }

    /// The value at `name` over all T positions: a run that started after a shared prefix
    /// takes the prefix positions from `full`, whose tokens are the same there. [B, T, ...]
    func value(_ name: String, prefixFrom full: Run) throws -> Tensor {
        let own = try value(name)
        guard start > 0 else { return own }
        return try concat([slice(full.value(name).detached(), axis: 1, 0..<start), own.detached()], axis: 1)
    }

    func gradient(_ name: String) throws -> Tensor {
        guard let gradients else { throw AttributionError.invalidBatch("no gradients on an unrecorded run") }
        return try gradients[hooks.value(name)]
    }
}

/// Differences between two runs' source outputs, as one [sources, B·T·d_model] matrix in
/// the graph's source order: the embedding, each head's write `z_h · W_O[h]ᵀ` (no
/// output bias), each MLP's output.
func sourceOutputDifferences(_ model: Transformer, graph: ComponentGraph, corrupted: Run, clean: Run) throws -> Tensor {
    let (h, dh, dm) = (model.dims.heads, model.dims.headDim, model.dims.dModel)
    let embed = try corrupted.value("hook_embed", prefixFrom: clean) - clean.value("hook_embed")
    let width = embed.count
    var rows = [try embed.reshape([1, width])]
    for l in 0..<graph.layers {
        let dz = try corrupted.value("blocks.\(l).attn.hook_z", prefixFrom: clean) - clean.value("blocks.\(l).attn.hook_z")  // [B, T, H, D]
        let tokens = dz.count / (h * dh)
        let byHead = try permute(dz, [2, 0, 1, 3]).reshape([h, tokens, dh])
        let outputByHead = try permute(model.blocks[l].attention.output.reshape([dm, h, dh]), [1, 0, 2])  // [H, d_model, D]
        rows.append(try matmul(byHead, outputByHead, transposeB: true).reshape([h, width]))
        rows.append(try (corrupted.value("blocks.\(l).hook_mlp_out", prefixFrom: clean) - clean.value("blocks.\(l).hook_mlp_out")).reshape([1, width]))
    }
    return try concat(rows, axis: 0)
}

/// Σ over positions and features of Δoutput · ∂m/∂output for every source:
/// node attribution patching from one recorded run. [sources]
func sourceOutputScores(_ model: Transformer, graph: ComponentGraph, corrupted: Run, clean: Run, gradients: Run) throws -> [Double] {
    var scores = [try dot(corrupted.value("hook_embed") - clean.value("hook_embed"), gradients.gradient("hook_embed"))]
    let h = model.dims.heads
    for l in 0..<graph.layers {
        let dz = try corrupted.value("blocks.\(l).attn.hook_z") - clean.value("blocks.\(l).attn.hook_z")
        let product = try dz * gradients.gradient("blocks.\(l).attn.hook_z")                    // [B, T, H, D]
        let byHead = try sum(permute(product, [2, 0, 1, 3]).reshape([h, -1]), axis: 1)         // [H]
        scores += byHead.storage.map(Double.init)
        scores.append(try dot(corrupted.value("blocks.\(l).hook_mlp_out") - clean.value("blocks.\(l).hook_mlp_out"),
                              gradients.gradient("blocks.\(l).hook_mlp_out")))
    }
    return scores
}

/// Σ a ⊙ b, accumulated in Double.
func dot(_ a: Tensor, _ b: Tensor) throws -> Double {
    guard a.shape == b.shape else { throw TensorError.shapeMismatch(op: "dot", lhs: a.shape, rhs: b.shape) }
    var total = 0.0
    for i in 0..<a.count { total += Double(a.storage[i]) * Double(b.storage[i]) }
    return total
}
