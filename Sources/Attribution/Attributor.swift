import Models
import Tensors

public enum AttributionMethod: String, Sendable, CaseIterable {
    /// Activation patching: one patched run per node. The ground truth.
    case exact
    /// Node attribution patching: a clean and a corrupted run, one backward pass.
    case atp
    /// Edge attribution patching: every edge from the same single backward pass.
    case eap
    /// EAP with integrated gradients over interpolated input embeddings.
    case eapIG = "eap-ig"

    public var scoresEdges: Bool { self == .eap || self == .eapIG }
}

/// Scores of one attribution run, per pair (mean over pairs), with DESIGN.md's sign:
/// the estimated (or, for `exact`, measured) change of the metric when a component's
/// corrupted value is patched into the clean run.
public struct AttributionScores: Sendable {
    public let graph: ComponentGraph
    public let method: AttributionMethod
    public let metric: Metric
    /// EAP-IG's interpolation steps, for `eap-ig`.
    public let igSteps: Int?
    /// Edge scores [sources × destinations], row-major, zero where no edge exists; nil for node methods.
    public let edgeScores: [Double]?
    /// Node scores, in source order: for edge methods the sum of the node's outgoing edges.
    public let nodeScores: [Double]
    /// Mean metric over pairs on the clean and on the corrupted prompts.
    public let cleanMetric: Double
    public let corruptedMetric: Double
    public let pairCount: Int
    /// AtP* corrections applied (`AttributionCorrection` raw values, e.g. `qk-fix`, `grad-drop`;
    /// `grad-drop:single-layer` when a one-layer model fell back to mean |AtP| over pairs).
    public let corrections: [String]

    public init(graph: ComponentGraph, method: AttributionMethod, metric: Metric, igSteps: Int?, edgeScores: [Double]?,
                nodeScores: [Double], cleanMetric: Double, corruptedMetric: Double, pairCount: Int,
                corrections: [String] = []) {
        self.graph = graph
        self.method = method
        self.metric = metric
        self.igSteps = igSteps
        self.edgeScores = edgeScores
        self.nodeScores = nodeScores
        self.cleanMetric = cleanMetric
        self.corruptedMetric = corruptedMetric
        self.pairCount = pairCount
        self.corrections = corrections
    }

    public func edgeScore(_ source: ComponentGraph.Source, _ destination: ComponentGraph.Destination) -> Double? {
        edgeScores.map { $0[graph.sourceIndex(source) * graph.destinationCount + graph.destinationIndex(destination)] }
    }

    public func nodeScore(_ source: ComponentGraph.Source) -> Double { nodeScores[graph.sourceIndex(source)] }
}

/// Runs an attribution method over batches of minimal pairs.
public struct Attributor: Sendable {
    public let model: Transformer
    public let graph: ComponentGraph
    public var method: AttributionMethod
    public var metric: Metric
    /// Interpolation steps K of `eap-ig`.
    public var igSteps: Int
    /// AtP*'s QK fix (`--qk-fix`, atp and eap) and GradDrop (`--grad-drop`, atp): AtPStar.swift.
    public var qkFix = false
    public var gradDrop = false
    /// Largest destination buffer of one group of layers in the edge products (EdgeProducts.swift).
    var edgeGroupBytes = EdgeProducts.defaultGroupBytes
    /// Largest sums of EAP-IG's destination gradients over its steps (EdgeProducts.swift).
    var edgeSumBytes = EdgeProducts.defaultSumBytes

    public init(model: Transformer, method: AttributionMethod, metric: Metric = .logitDiff, igSteps: Int = 5) {
        self.model = model
        self.graph = ComponentGraph(model)
        self.method = method
        self.metric = metric
        self.igSteps = igSteps
    }

    /// Scores every node (and for edge methods every edge) over all `batches`.
    /// `progress(done, total)` is called after each unit of work (a batch, or a node for `exact`).
    public func run(_ batches: [PairBatch], progress: ((Int, Int) -> Void)? = nil) throws -> AttributionScores {
        let vocab = model.dims.vocab
        for batch in batches {
            if let bad = (batch.answerIds + batch.foilIds).first(where: { $0 < 0 || $0 >= vocab }) {
                throw AttributionError.tokenOutOfRange(id: bad, vocab: vocab)
            }
        }
        try validateCorrections()
        if qkFix || gradDrop { return try runCorrected(batches, progress: progress) }  // AtPStar.swift
        var edges = [Double](repeating: 0, count: method.scoresEdges ? graph.sourceCount * graph.destinationCount : 0)
        var nodes = [Double](repeating: 0, count: graph.sourceCount)
        var clean = 0.0, corrupted = 0.0, pairs = 0
        let units = batches.count * (method == .exact ? graph.sourceCount : 1)
        var done = 0
        for batch in batches {
            let recordClean = method == .atp || method == .eap
            // EAP reads per-head input gradients rebuilt from the projections' (EdgeProducts.swift).
            // EAP-IG's steps do too, and every run that shares the prefix reads keys the same way.
            let cleanInputs: AttentionInputs = method.scoresEdges ? .sharedPerQueryHead : .shared
            let rows = ChangedRows(batch)
            // AtP and the edge methods read only the changed rows, which all come after the prompts'
            // shared prefix (Δ is zero before it): the prefix is run once, unrecorded, and every
            // other run (clean, corrupted, each EAP-IG step) starts after it with its keys and
            // values. Gradients at later rows do not depend on earlier rows' (causal attention), so
            // they are exact. Exact patching replaces whole runs' values and keeps full runs.
            let prefix = method != .exact && rows.sharedPrefix > 0
                ? try AttentionPrefix(model, tokens: batch.clean, length: rows.sharedPrefix, attentionInputs: cleanInputs)
                : nil
            let cleanRun = try Run.run(model, metric: metric, tokens: batch.clean, pairs: batch, record: recordClean,
                                       inputs: cleanInputs, prefix: prefix)
            let corruptedRun = try Run.run(model, metric: metric, tokens: batch.corrupted, pairs: batch, record: false,
                                           inputs: prefix == nil ? .shared : cleanInputs, cleanLogProbs: cleanRun.cleanLogProbs,
                                           prefix: prefix)
            clean += cleanRun.metric.storage.reduce(0) { $0 + Double($1) }
            corrupted += corruptedRun.metric.storage.reduce(0) { $0 + Double($1) }
            pairs += batch.count
            switch method {
            case .exact:
                for (index, source) in graph.sources.enumerated() {
                    nodes[index] += try patchedEffect(source, batch: batch, clean: cleanRun, corrupted: corruptedRun)
                    done += 1
                    progress?(done, units)
                }
                continue
            case .atp:
                let scores = try sourceOutputScores(model, graph: graph, corrupted: corruptedRun, clean: cleanRun, gradients: cleanRun)
                for i in nodes.indices { nodes[i] += scores[i] }
            case .eap:
                let products = try EdgeProducts(model, graph: graph, corrupted: corruptedRun, clean: cleanRun, rows: rows,
                                                groupBytes: edgeGroupBytes)
                try products.accumulate(into: &edges, gradients: cleanRun, weight: 1)
            case .eapIG:
                let products = try EdgeProducts(model, graph: graph, corrupted: corruptedRun, clean: cleanRun, rows: rows,
                                                groupBytes: edgeGroupBytes, sumBytes: edgeSumBytes)
                // Both runs start after the shared prefix, where every interpolation is the clean prompt.
                let embedClean = try cleanRun.value("hook_embed"), embedCorrupted = try corruptedRun.value("hook_embed")
                // The scores are linear in the gradients: their sum over the steps is multiplied once.
                var sums: [Tensor] = []
                for step in 0..<igSteps {
                    // corrupted + (k/K)(clean − corrupted), for k = 0…K−1 (EAP-IG's discretisation).
                    let alpha = Float(step) / Float(igSteps)
                    let embedding = try embedCorrupted + scale(embedClean - embedCorrupted, by: alpha)
                    let stepRun = try Run.run(model, metric: metric, tokens: batch.clean, pairs: batch, record: true,
                                              inputs: .sharedPerQueryHead, cleanLogProbs: cleanRun.cleanLogProbs, embedding: embedding,
                                              prefix: prefix)
                    if products.canSumDestinations {
                        try products.addDestinations(of: stepRun, to: &sums)
                    } else {
                        try products.accumulate(into: &edges, gradients: stepRun, weight: 1 / Double(igSteps))
                    }
                }
                if !sums.isEmpty { try products.accumulate(into: &edges, summedDestinations: sums, weight: 1 / Double(igSteps)) }
            }
            done += 1
            progress?(done, units)
        }
        let n = Double(max(pairs, 1))
        if method.scoresEdges {
            for i in edges.indices { edges[i] /= n }
            for s in 0..<graph.sourceCount {
                nodes[s] = edges[(s * graph.destinationCount)..<((s + 1) * graph.destinationCount)].reduce(0, +)
            }
        } else {
            for i in nodes.indices { nodes[i] /= n }
        }
        return AttributionScores(graph: graph, method: method, metric: metric, igSteps: method == .eapIG ? igSteps : nil,
                                 edgeScores: method.scoresEdges ? edges : nil, nodeScores: nodes,
                                 cleanMetric: clean / n, corruptedMetric: corrupted / n, pairCount: pairs)
    }

    /// Σ over pairs of m(clean with `source` ← its corrupted output) − m(clean).
    func patchedEffect(_ source: ComponentGraph.Source, batch: PairBatch, clean: Run, corrupted: Run) throws -> Double {
        let patch: (Hooks) -> Void
        switch source {
        case .input:
            let value = try corrupted.value("hook_embed")
            patch = { $0.intervene("hook_embed") { _ in value } }
        case let .mlp(l):
            let value = try corrupted.value("blocks.\(l).hook_mlp_out")
            patch = { $0.intervene("blocks.\(l).hook_mlp_out") { _ in value } }
        case let .head(l, h):
            // z + onehot(h) ⊙ (z_corrupted − z): only head h's output changes.
            let value = try corrupted.value("blocks.\(l).attn.hook_z")
            var mask = [Float](repeating: 0, count: graph.heads)
            mask[h] = 1
            let headMask = try Tensor(shape: [1, 1, graph.heads, 1], storage: mask)
            patch = { $0.intervene("blocks.\(l).attn.hook_z") { z in try z + headMask * (value - z) } }
        }
        let patched = try Run.run(model, metric: metric, tokens: batch.clean, pairs: batch, record: false, inputs: .shared,
                                  cleanLogProbs: clean.cleanLogProbs, intervene: patch)
        var total = 0.0
        for (p, c) in zip(patched.metric.storage, clean.metric.storage) { total += Double(p) - Double(c) }
        return total
    }
}
