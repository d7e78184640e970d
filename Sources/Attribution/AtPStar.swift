import Models
import Tensors

// AtP* (Kramár et al. 2024, "AtP*: An efficient and scalable method for localizing LLM
// behaviour to components", arXiv 2403.00745): two corrections to attribution patching.
//
// QK fix (`--qk-fix`, methods atp and eap). Every edge into a head's query or key input,
// U->a{l}.h{h}<q> and <k>, is scored by recomputing that head's pattern exactly with only
// its query (or only its keys) moved by U's output difference, and linearising only after
// the pattern (QKFix.swift). Value, MLP and logit edges keep the linear EAP score; with
// atp a node's score is the sum of its outgoing edges.
//
// GradDrop (`--grad-drop`, method atp). For each layer ℓ, a clean run whose gradient
// through layer ℓ's residual writes is dropped (stop-gradient on blocks.{ℓ}.hook_attn_out
// and hook_mlp_out) gives per-pair estimates I_GDℓ(n; b) = Σ_{positions, features}
// Δn · ∂m^{GDℓ}/∂n, with I_GDℓ(n; b) = 0 for the nodes of layer ℓ itself. The score is
// AtP* Eq. 11 averaged over pairs, unsigned by construction:
//
//   c(n) = 1/(L−1) · Σ_{ℓ=0}^{L−1} mean_b |I_GDℓ(n; b)|
//
// With both, I_GDℓ(n; b) is the sum of n's outgoing edges with fixed q/k edges, all read
// from run ℓ's gradients. With one layer there is nothing to drop: c(n) = mean_b |I(n; b)|
// and the result's `corrections` says `grad-drop:single-layer`.

/// One of AtP*'s corrections to attribution patching.
public enum AttributionCorrection: String, Sendable, CaseIterable {
    case qkFix = "qk-fix"
    case gradDrop = "grad-drop"

    /// The command-line flag that asks for it.
    public var flag: String { "--\(rawValue)" }

    /// Methods the correction applies to.
    public var methods: [AttributionMethod] {
        switch self {
        case .qkFix: [.atp, .eap]
        case .gradDrop: [.atp]
        }
    }
}

/// Attribution options that do not fit together.
public enum AttributionOptionError: Error, Equatable, CustomStringConvertible {
    case unsupportedCorrection(AttributionCorrection, method: AttributionMethod)

    public var description: String {
        switch self {
        case let .unsupportedCorrection(correction, method):
            let methods = correction.methods.map(\.rawValue)
            let list = methods.count == 1 ? "method \(methods[0])" : "methods \(methods.joined(separator: " and "))"
            return "\(correction.flag) applies to \(list) only, not to method \(method.rawValue)"
        }
    }
}

extension Attributor {
    /// The corrections this attributor applies, in a fixed order.
    public var corrections: [AttributionCorrection] {
        (qkFix ? [.qkFix] : []) + (gradDrop ? [.gradDrop] : [])
    }

    /// Throws when a correction is asked for with a method it does not apply to.
    public func validateCorrections() throws(AttributionOptionError) {
        for correction in corrections where !correction.methods.contains(method) {
            throw .unsupportedCorrection(correction, method: method)
        }
    }

    /// `run` with AtP* corrections: each batch is one unit of work for `progress`.
    ///
    /// eap + QK fix: the linear EAP edges of a split-input run, q/k edges replaced.
    /// atp (QK fix and/or GradDrop): per-pair node estimates of unsplit runs,
    ///   I(n; b) = AtP(n; b) [− Σ linear q/k edges of n + Σ fixed q/k edges of n],
    /// which is the sum of n's outgoing edges with the fixed q/k edges (a node's AtP score is
    /// the sum of its outgoing linear edges); then GradDrop's Eq. 11, or the signed mean.
    func runCorrected(_ batches: [PairBatch], progress: ((Int, Int) -> Void)?) throws -> AttributionScores {
        let layers = graph.layers
        let edgesMethod = method == .eap
        // GradDrop: one gradient run per dropped layer; with a single layer there is none to drop.
        let drops: [Int?] = gradDrop && layers > 1 ? Array(0..<layers) : [nil]
        var edges = [Double](repeating: 0, count: edgesMethod ? graph.sourceCount * graph.destinationCount : 0)
        var totals = [Double](repeating: 0, count: graph.sourceCount)   // Σ over pairs (and runs) of I or |I|
        var clean = 0.0, corrupted = 0.0, pairs = 0
        for (done, batch) in batches.enumerated() {
            let b = batch.count
            let first = try gradientRun(batch, dropping: drops[0], inputs: edgesMethod ? .sharedPerQueryHead : .shared, cleanLogProbs: nil)
            // Edges: the corrupted run starts after the shared prefix, exactly as in plain EAP, so
            // the linear edges are plain EAP's to the bit.
            let rows = ChangedRows(batch)
            let prefix = edgesMethod && rows.sharedPrefix > 0
                ? try AttentionPrefix(model, hooks: first.hooks, length: rows.sharedPrefix) : nil
            let corruptedRun = try Run.run(model, metric: metric, tokens: batch.corrupted, pairs: batch, record: false,
                                           inputs: prefix == nil ? .shared : .sharedPerQueryHead,
                                           cleanLogProbs: first.cleanLogProbs, prefix: prefix)
            // Dropping a gradient leaves every forward value as it is: `first` is the clean run.
            clean += first.metric.storage.reduce(0) { $0 + Double($1) }
            corrupted += corruptedRun.metric.storage.reduce(0) { $0 + Double($1) }
            pairs += b
            let qk = qkFix ? try QKFixInputs(model: model, graph: graph, corrupted: corruptedRun, clean: first, pairs: b) : nil

            if edgesMethod, let qk {
                var batchEdges = [Double](repeating: 0, count: edges.count)
                // The linear edges exactly as plain EAP computes them (EdgeProducts.swift).
                let products = try EdgeProducts(model, graph: graph, corrupted: corruptedRun, clean: first, rows: rows,
                                                groupBytes: edgeGroupBytes)
                try products.accumulate(into: &batchEdges, gradients: first, weight: 1)
                for (s, d) in qkEdgeIndices() { batchEdges[s * graph.destinationCount + d] = 0 }
                let fixed = try qkFixedEdges(model, graph: graph, inputs: qk,
                                             patternGradients: [patternGradients(first, layers: layers)])
                fixed[0].addPairSums(to: &batchEdges, graph: graph)
                for i in edges.indices { edges[i] += batchEdges[i] }
            } else {
                var estimates: [[[Double]]] = []        // [run][source][pair]
                var gradients: [[Tensor]] = []          // [run][layer]: pattern gradients, for the QK fix
                for (r, drop) in drops.enumerated() {
                    let run = r == 0 ? first : try gradientRun(batch, dropping: drop, inputs: .shared, cleanLogProbs: first.cleanLogProbs)
                    var estimate = try perPairSourceOutputScores(model, graph: graph, corrupted: corruptedRun, clean: first,
                                                                 gradients: run, pairs: b)
                    if let qk {
                        // Take the linear q/k edges out now; their fixed scores go back in below.
                        let linear = try perPairLinearQKScores(model, graph: graph, inputs: qk, gradients: run)
                        for s in estimate.indices { for p in 0..<b { estimate[s][p] -= linear[s][p] } }
                        gradients.append(try patternGradients(run, layers: layers))
                    }
                    estimates.append(estimate)
                }
                if let qk {
                    let tables = try qkFixedEdges(model, graph: graph, inputs: qk, patternGradients: gradients)
                    for (r, table) in tables.enumerated() {
                        let fixed = table.perSourceSums(sourceCount: graph.sourceCount)
                        for s in fixed.indices { for p in 0..<b { estimates[r][s][p] += fixed[s][p] } }
                    }
                }
                for (r, drop) in drops.enumerated() {
                    for (s, source) in graph.sources.enumerated() where drop == nil || source.layer != drop {
                        totals[s] += gradDrop ? estimates[r][s].reduce(0) { $0 + abs($1) } : estimates[r][s].reduce(0, +)
                    }
                }
            }
            progress?(done + 1, batches.count)
        }

        let n = Double(max(pairs, 1))
        var nodes = [Double](repeating: 0, count: graph.sourceCount)
        if edgesMethod {
            for i in edges.indices { edges[i] /= n }
            for s in 0..<graph.sourceCount {
                nodes[s] = edges[(s * graph.destinationCount)..<((s + 1) * graph.destinationCount)].reduce(0, +)
            }
        } else {
            let normaliser = Double(max(drops.count - 1, 1))   // GradDrop's L − 1: each node sits out its own layer's run
            for s in nodes.indices { nodes[s] = totals[s] / n / normaliser }
        }
        var applied = corrections.map(\.rawValue)
        if gradDrop && drops.count == 1, let i = applied.firstIndex(of: AttributionCorrection.gradDrop.rawValue) {
            applied[i] = "grad-drop:single-layer"
        }
        return AttributionScores(graph: graph, method: method, metric: metric, igSteps: nil,
                                 edgeScores: edgesMethod ? edges : nil, nodeScores: nodes,
                                 cleanMetric: clean / n, corruptedMetric: corrupted / n, pairCount: pairs,
                                 corrections: applied)
    }

    /// A recorded clean run for the corrections, capturing the QK fix's hook points when it is
    /// on; with `layer`, the gradient through that layer's writes is dropped.
    func gradientRun(_ batch: PairBatch, dropping layer: Int?, inputs: AttentionInputs, cleanLogProbs: Tensor?) throws -> Run {
        // Edge runs also hand their attention prefix to the corrupted run, as plain EAP does.
        let names = Run.hookNames(layers: graph.layers, inputs: inputs) + (qkFix ? QKFixInputs.hookNames(model) : [])
            + (inputs == .sharedPerQueryHead ? AttentionPrefix.hookNames(model) : [])
        return try Run.run(model, metric: metric, tokens: batch.clean, pairs: batch, record: true, inputs: inputs,
                           cleanLogProbs: cleanLogProbs) { hooks in
            hooks.capture(names)  // Run.run's own points and the QK fix's
            if let layer { Self.dropGradient(through: layer, hooks) }
        }
    }

    /// Stop-gradient on layer ℓ's attention and MLP writes: the values pass on unchanged as
    /// fresh leaves (so their own gradients stay readable), and nothing upstream of them
    /// gets a gradient through them.
    static func dropGradient(through layer: Int, _ hooks: Hooks) {
        for name in ["blocks.\(layer).hook_attn_out", "blocks.\(layer).hook_mlp_out"] {
            hooks.intervene(name) { $0.detached() }
        }
    }

    /// (source, destination) indices of every q and k edge.
    func qkEdgeIndices() -> [(Int, Int)] {
        (0..<graph.layers).flatMap { l in
            [ComponentGraph.Destination.Role.q, .k].flatMap { role in
                (0..<graph.heads).flatMap { h in
                    let d = graph.destinationIndex(.head(layer: l, head: h, role))
                    return (0..<graph.upstreamCount(of: .head(layer: l, head: h, role))).map { ($0, d) }
                }
            }
        }
    }
}

extension ComponentGraph.Source {
    /// The layer a head or MLP sits in; nil for the input.
    var layer: Int? {
        switch self {
        case .input: nil
        case let .head(l, _), let .mlp(l): l
        }
    }
}
