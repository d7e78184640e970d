import Attribution
import Circuits

/// The layout and vocabulary every circuit drawing shares (`CircuitDOT`, `CircuitDiffDOT`), so
/// that a circuit and a diff of two circuits read the same way.
///
/// `input` at the bottom and `logits` at the top (`rankdir=BT`), one rank per layer
/// (`rank=same`): a layer's heads side by side, and its MLP on a rank of its own above them
/// when the residual is sequential (the MLP reads the heads' output) or beside them when it is
/// parallel (both read the same residual). Invisible edges (`style=invis`) chain consecutive
/// ranks so that layers stay in order even where no drawn edge links them. An edge into a
/// head's query is dashed, into its key dotted, into its value solid.
enum DrawingLayout {
    /// A node of the drawing: a source or `logits`.
    enum DrawnNode: Equatable {
        case source(ComponentGraph.Source)
        case logits

        var name: String {
            switch self {
            case let .source(source): source.name
            case .logits: "logits"
            }
        }

        /// Index among the graph's nodes (`nodeNames` order).
        func index(in graph: ComponentGraph) -> Int {
            switch self {
            case let .source(source): graph.sourceIndex(source)
            case .logits: graph.sourceCount
            }
        }

        /// Boxes for the ends and the MLPs, ellipses for heads.
        var shape: String {
            switch self {
            case .source(.head): "ellipse"
            default: "box"
            }
        }

        /// What the node is, for tooltips: "a0.h1 (layer 0, head 1)".
        var description: String {
            switch self {
            case .logits: "logits"
            case .source(.input): "input (embedding)"
            case let .source(.head(layer, head)): "\(name) (layer \(layer), head \(head))"
            case let .source(.mlp(layer)): "\(name) (layer \(layer) MLP)"
            }
        }
    }

    struct Rank {
        let comment: String
        let nodes: [DrawnNode]
    }

    static let graphAttributes = ["rankdir=BT", "newrank=true", "ranksep=0.45", "nodesep=0.2",
                                  "fontname=\(DOTText.quoted("Helvetica"))"]

    /// The non-empty ranks from input to logits, each with its drawn nodes in graph order.
    /// - Parameter isDrawn: whether the node at a `nodeNames` index is drawn.
    static func ranks(_ graph: ComponentGraph, isDrawn: (Int) -> Bool) -> [Rank] {
        func drawn(_ nodes: [DrawnNode]) -> [DrawnNode] { nodes.filter { isDrawn($0.index(in: graph)) } }
        var ranks = [Rank(comment: "input", nodes: drawn([.source(.input)]))]
        for layer in 0..<graph.layers {
            let heads = drawn((0..<graph.heads).map { .source(.head(layer: layer, head: $0)) })
            let mlp = drawn([.source(.mlp(layer: layer))])
            if graph.parallelResidual {
                ranks.append(Rank(comment: "layer \(layer)", nodes: heads + mlp))
            } else {
                ranks.append(Rank(comment: "layer \(layer) heads", nodes: heads))
                ranks.append(Rank(comment: "layer \(layer) MLP", nodes: mlp))
            }
        }
        ranks.append(Rank(comment: "logits", nodes: drawn([.logits])))
        return ranks.filter { !$0.nodes.isEmpty }
    }

    /// The rank blocks, each node written by `statement`, then the invisible layer-order edges.
    static func rankLines(_ ranks: [Rank], statement: (DrawnNode) -> String) -> [String] {
        var lines: [String] = []
        for rank in ranks {
            lines.append("  { rank=same;  // \(rank.comment)")
            lines += rank.nodes.map { "    " + statement($0) }
            lines.append("  }")
        }
        if ranks.count > 1 {
            lines.append("  // layer order: one invisible edge from each rank to the next")
            for (lower, upper) in zip(ranks, ranks.dropFirst()) {
                lines.append("  \(DOTText.quoted(lower.nodes[0].name)) -> \(DOTText.quoted(upper.nodes[0].name)) [style=invis];")
            }
        }
        return lines
    }

    /// The line style telling q, k and v inputs of a head apart; nil for edges into MLPs and logits.
    static func roleStyle(_ destination: ComponentGraph.Destination) -> String? {
        guard case let .head(_, _, role) = destination else { return nil }
        switch role {
        case .q: return "dashed"
        case .k: return "dotted"
        case .v: return "solid"
        }
    }

    /// Provenance lines for a header comment: model, method, metric.
    static func provenance(_ meta: GraphFile.Meta) -> [String] {
        var model = "model: \(meta.model) (\(meta.architecture))"
        if let step = meta.step { model += ", step \(step)" }
        var method = "method: \(meta.method)"
        if let igSteps = meta.igSteps { method += " (\(igSteps) steps)" }
        if !meta.corrections.isEmpty { method += ", corrections \(meta.corrections.joined(separator: " "))" }
        return [model, method + ", \(meta.pairs) pairs",
                "metric: \(meta.metric), clean \(DOTText.long(meta.cleanMetric)), corrupted \(DOTText.long(meta.corruptedMetric))"]
    }

    /// One line for a label: model · method · metric (· step).
    static func subtitle(_ meta: GraphFile.Meta) -> String {
        var parts = [meta.model, meta.method, meta.metric]
        if let step = meta.step { parts.append("step \(step)") }
        return parts.joined(separator: " · ")
    }

    /// Width of an edge drawn at |score| relative to the largest |score| drawn.
    static func penwidth(_ score: Double, scale: Double) -> String {
        let minimum = 0.5, maximum = 5.0
        return DOTText.fixed(minimum + (maximum - minimum) * (scale > 0 ? min(abs(score) / scale, 1) : 0), digits: 2)
    }

    static func largestMagnitude(of values: [Double]) -> Double { values.map(abs).max() ?? 0 }
}
