import Attribution
import Models
import Tensors

/// What is corrupted outside a circuit.
public enum AblationLevel: String, Sendable, CaseIterable, Codable {
    /// Edges outside the circuit carry their corrupted-run values; edges inside carry the
    /// values computed in the patched run itself (EAP-IG's evaluate_graph).
    case edges
    /// Every component outside the circuit writes its corrupted-run output.
    case nodes
}

/// Mean metric over pairs for the clean model m(M), the all-corrupted model m(∅) and each
/// circuit m(C), with the per-pair values behind them.
public struct FaithfulnessReport: Sendable, Equatable {
    public let level: AblationLevel
    public let metric: Metric
    public let pairCount: Int
    /// m(M) and m(∅), mean over pairs.
    public let full: Double
    public let empty: Double
    /// m(C) for each circuit evaluated, mean over pairs.
    public let circuits: [Double]
    /// Per pair, in batch order: m(M), m(∅) and m(C) for each circuit.
    public let fullPerPair: [Double]
    public let emptyPerPair: [Double]
    public let circuitsPerPair: [[Double]]

    /// F(C) = (m(C) − m(∅)) / (m(M) − m(∅)); NaN when the clean and corrupted metrics coincide.
    public func faithfulness(_ index: Int) -> Double { Self.normalized(circuits[index], full: full, empty: empty) }

    public static func normalized(_ value: Double, full: Double, empty: Double) -> Double {
        full == empty ? .nan : (value - empty) / (full - empty)
    }
}

/// Measures circuits by real patched runs of the model on minimal pairs.
///
/// Per batch the corrupted run is made once and every circuit is evaluated against it.
/// Edge level runs the model with split attention inputs (each head reads its own copy of
/// the residual for q, k and v); every destination input is rebuilt as
/// `patched residual − Σ_{U→D outside} (a_U,patched − a_U,corrupted)`. A destination whose
/// edges are all inside is left untouched and one whose edges are all outside gets the
/// corrupted run's value as it is, so the full graph gives m(M) and the empty one m(∅)
/// bit for bit, and F = 1 and 0 exactly.
public struct FaithfulnessEvaluator {
    public let model: Transformer
    public let graph: ComponentGraph
    public var metric: Metric

    public init(model: Transformer, metric: Metric = .logitDiff) {
        self.model = model
        self.graph = ComponentGraph(model)
        self.metric = metric
    }

    /// m(M), m(∅) and m(C) for every circuit, over all batches. `progress(done, total)` after each batch.
    public func evaluate(_ circuits: [Circuit], level: AblationLevel, batches: [PairBatch],
                         progress: ((Int, Int) -> Void)? = nil) throws -> FaithfulnessReport {
        for circuit in circuits where circuit.graph != graph {
            throw CircuitError.graphMismatch(expected: graph, found: circuit.graph)
        }
        var full: [Double] = [], empty: [Double] = []
        var perCircuit = [[Double]](repeating: [], count: circuits.count)
        for (done, batch) in batches.enumerated() {
            let corrupted = try corruptedRun(batch)
            let clean = try patchedRun(batch, level: level, corrupted: corrupted, outside: nil, cleanLogProbs: nil)
            full += clean.metric
            // m(∅): the logits read the corrupted residual stream, with the clean answer and foil.
            empty += try metricValues(batch, normalized: model.finalNorm(corrupted.finalResidual), cleanLogProbs: clean.logProbs)
            for (i, circuit) in circuits.enumerated() {
                perCircuit[i] += try patchedRun(batch, level: level, corrupted: corrupted, outside: circuit,
                                                cleanLogProbs: clean.logProbs).metric
            }
            progress?(done + 1, batches.count)
        }
        func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
        return FaithfulnessReport(level: level, metric: metric, pairCount: full.count, full: mean(full), empty: mean(empty),
                                  circuits: perCircuit.map(mean), fullPerPair: full, emptyPerPair: empty,
                                  circuitsPerPair: perCircuit)
    }

    // MARK: - Runs

    /// What the corrupted run leaves for patching: every source output and every destination input.
    struct CorruptedValues {
        let hooks: Hooks
        var finalResidual: Tensor

        func value(_ name: String) throws -> Tensor { try hooks.value(name) }
    }

    func corruptedRun(_ batch: PairBatch) throws -> CorruptedValues {
        let hooks = Hooks()
        let last = graph.layers - 1
        var names = ["hook_embed", "blocks.\(last).hook_resid_post"]
        for l in 0..<graph.layers {
            names += ["blocks.\(l).attn.hook_result", "blocks.\(l).hook_mlp_out", "blocks.\(l).hook_resid_pre",
                      "blocks.\(l).hook_mlp_in"]
        }
        hooks.capture(names)
        _ = try model.finalResidual(batch.corrupted, hooks: hooks)
        return CorruptedValues(hooks: hooks, finalResidual: try hooks.value("blocks.\(last).hook_resid_post"))
    }

    /// One run on the clean prompts with everything `outside` the circuit corrupted (nil: nothing).
    func patchedRun(_ batch: PairBatch, level: AblationLevel, corrupted: CorruptedValues, outside circuit: Circuit?,
                    cleanLogProbs: Tensor?) throws -> (metric: [Double], logProbs: Tensor?) {
        let hooks = Hooks()
        // Per-head results are always computed, patched or not, so every run takes the same arithmetic path.
        hooks.capture { name in name == "hook_embed" || name.hasSuffix("attn.hook_result") || name.hasSuffix("hook_mlp_out") }
        if let circuit {
            switch level {
            case .edges: try EdgePatch(evaluator: self, circuit: circuit, corrupted: corrupted, hooks: hooks).install()
            case .nodes: try installNodePatches(circuit, corrupted: corrupted, hooks: hooks)
            }
        }
        let normalized = try model.finalResidual(batch.clean, hooks: hooks, splitQKVInputs: level == .edges)
        let logProbs = try cleanLogProbs ?? metric.cleanLogProbs(model, normalized: normalized, lastRows: batch.lastRows)
        return (try metricValues(batch, normalized: normalized, cleanLogProbs: logProbs), logProbs)
    }

    func metricValues(_ batch: PairBatch, normalized: Tensor, cleanLogProbs: Tensor?) throws -> [Double] {
        try metric.perPair(model, normalized: normalized, lastRows: batch.lastRows, answers: batch.answerIds,
                           foils: batch.foilIds, cleanLogProbs: cleanLogProbs).storage.map(Double.init)
    }

    /// Node level: components outside write their corrupted outputs.
    func installNodePatches(_ circuit: Circuit, corrupted: CorruptedValues, hooks: Hooks) throws {
        if !circuit.nodeIn[0] {
            let value = try corrupted.value("hook_embed")
            hooks.intervene("hook_embed") { _ in value }
        }
        for l in 0..<graph.layers {
            let outsideHeads = (0..<graph.heads).filter { !circuit.contains(.head(layer: l, head: $0)) }
            if !outsideHeads.isEmpty {
                let value = try corrupted.value("blocks.\(l).attn.hook_result")
                hooks.intervene("blocks.\(l).attn.hook_result") { result in
                    try replacingHeads(outsideHeads, of: result, with: value)
                }
            }
            if !circuit.contains(.mlp(layer: l)) {
                let value = try corrupted.value("blocks.\(l).hook_mlp_out")
                hooks.intervene("blocks.\(l).hook_mlp_out") { _ in value }
            }
        }
    }
}

/// `result` [B, T, H, d] with the listed heads' slices taken from `replacement`.
func replacingHeads(_ heads: [Int], of result: Tensor, with replacement: Tensor) throws -> Tensor {
    let (h, d) = (result.shape[2], result.shape[3])
    var storage = result.storage
    let source = replacement.storage
    for row in 0..<(result.count / (h * d)) {
        for head in heads {
            let start = (row * h + head) * d
            storage.replaceSubrange(start..<(start + d), with: source[start..<(start + d)])
        }
    }
    return try Tensor(shape: result.shape, storage: storage)
}

public enum CircuitError: Error, Equatable, CustomStringConvertible {
    case graphMismatch(expected: ComponentGraph, found: ComponentGraph)

    public var description: String {
        switch self {
        case let .graphMismatch(expected, found):
            "the circuit's graph (\(Self.describe(found))) is not this model's (\(Self.describe(expected)))"
        }
    }

    static func describe(_ graph: ComponentGraph) -> String {
        "\(graph.layers) layers × \(graph.heads) heads, \(graph.parallelResidual ? "parallel" : "sequential") residual"
    }
}
