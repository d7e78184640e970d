import Attribution
import Tensors

/// The hook interventions of one edge-level patched run: every destination input with
/// edges outside the circuit is rebuilt from the run's own source outputs and the
/// corrupted run's, as the model reaches it.
///
/// input_D = patched residual − Σ_{U→D outside} (a_U,patched − a_U,corrupted): the
/// residual already holds every upstream output of this run (plus the output biases,
/// which belong to no node and are equal in both runs), so taking out the outside
/// sources' patched outputs and putting their corrupted ones back gives exactly the mix
/// the circuit asks for. The differences Δ_U are formed once per source, and each
/// layer's corrections are one product (outside-mask [D, U] × Δ [U, B·T·d]).
final class EdgePatch {
    let graph: ComponentGraph
    let circuit: Circuit
    let corrupted: FaithfulnessEvaluator.CorruptedValues
    /// The run's hooks own this patch (through their interventions), not the other way round.
    unowned let hooks: Hooks
    private lazy var sources = graph.sources
    /// Δ_U = a_U,patched − a_U,corrupted, flattened [B·T·d], by source index, made on first use.
    private var differences: [Int: [Float]] = [:]

    init(evaluator: FaithfulnessEvaluator, circuit: Circuit, corrupted: FaithfulnessEvaluator.CorruptedValues, hooks: Hooks) {
        self.graph = evaluator.graph
        self.circuit = circuit
        self.corrupted = corrupted
        self.hooks = hooks
    }

    func install() throws {
        let last = graph.layers - 1
        for l in 0..<graph.layers {
            for role in ComponentGraph.Destination.Role.allCases {
                let destinations = (0..<graph.heads).map { ComponentGraph.Destination.head(layer: l, head: $0, role) }
                try patch("blocks.\(l).hook_\(role.rawValue)_input", destinations, corruptedInput: "blocks.\(l).hook_resid_pre")
            }
            try patch("blocks.\(l).hook_mlp_in", [.mlp(layer: l)], corruptedInput: "blocks.\(l).hook_mlp_in")
        }
        // The logits read the last residual (before the final norm).
        try patch("blocks.\(last).hook_resid_post", [.logits], corruptedInput: "blocks.\(last).hook_resid_post")
    }

    /// Intervenes at `hook`, whose value holds one d_model row per (b, t, destination):
    /// [B, T, H, d] for a head role, [B, T, d] for an MLP input or the logits.
    private func patch(_ hook: String, _ destinations: [ComponentGraph.Destination], corruptedInput: String) throws {
        let upstream = graph.upstreamCount(of: destinations[0])
        let columns = graph.destinationCount
        let outside = destinations.map { destination in
            let j = graph.destinationIndex(destination)
            return (0..<upstream).filter { !circuit.edgeIn[$0 * columns + j] }
        }
        guard outside.contains(where: { !$0.isEmpty }) else { return }   // every edge inside: untouched
        let corruptedValue = try corrupted.value(corruptedInput)                 // [B, T, d]
        hooks.intervene(hook) { value in
            try self.rebuild(value, outside: outside, upstream: upstream, corruptedInput: corruptedValue)
        }
    }

    private func rebuild(_ value: Tensor, outside: [[Int]], upstream: Int, corruptedInput: Tensor) throws -> Tensor {
        let count = outside.count
        let width = corruptedInput.count                                           // B·T·d
        let d = corruptedInput.shape.last!
        let rows = width / d                                                       // B·T
        // Outside mask [D, U] × Δ [U, B·T·d] → corrections [D, B·T·d], only for sources some destination drops.
        let used = Array(Set(outside.joined())).sorted()
        var mask = [Float](repeating: 0, count: count * used.count)
        for (i, sources) in outside.enumerated() where sources.count < upstream {
            for s in sources { mask[i * used.count + used.firstIndex(of: s)!] = 1 }
        }
        var stacked = [Float]()
        stacked.reserveCapacity(used.count * width)
        for s in used { stacked += try difference(s) }
        let corrections = try matmul(Tensor(shape: [count, used.count], storage: mask),
                                     Tensor(shape: [used.count, width], storage: stacked)).storage
        var out = value.storage
        let source = corruptedInput.storage
        for (i, sources) in outside.enumerated() where !sources.isEmpty {
            let allOutside = sources.count == upstream
            for row in 0..<rows {
                let target = (row * count + i) * d, from = row * d
                for j in 0..<d {
                    out[target + j] = allOutside ? source[from + j] : out[target + j] - corrections[i * width + from + j]
                }
            }
        }
        return try Tensor(shape: value.shape, storage: out)
    }

    /// Δ_U for source index `s`, from this run's captured outputs and the corrupted run's.
    private func difference(_ s: Int) throws -> [Float] {
        if let cached = differences[s] { return cached }
        let delta: [Float]
        switch sources[s] {
        case .input:
            delta = try subtract(hooks.value("hook_embed").storage, corrupted.value("hook_embed").storage)
        case let .mlp(l):
            delta = try subtract(hooks.value("blocks.\(l).hook_mlp_out").storage,
                                 corrupted.value("blocks.\(l).hook_mlp_out").storage)
        case let .head(l, h):
            let patched = try hooks.value("blocks.\(l).attn.hook_result"), base = try corrupted.value("blocks.\(l).attn.hook_result")
            let (heads, d) = (patched.shape[2], patched.shape[3])
            var values = [Float](repeating: 0, count: patched.count / heads)
            for row in 0..<(values.count / d) {
                let from = (row * heads + h) * d
                for j in 0..<d { values[row * d + j] = patched.storage[from + j] - base.storage[from + j] }
            }
            delta = values
        }
        differences[s] = delta
        return delta
    }

    private func subtract(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 - $1 } }
}
