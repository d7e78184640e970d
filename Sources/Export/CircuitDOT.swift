import Attribution
import Circuits
import Foundation

/// Writes the in-circuit part of a circuit as Graphviz DOT.
///
/// Layout: `input` at the bottom and `logits` at the top (`rankdir=BT`), one rank per layer
/// (`rank=same`): a layer's heads side by side, and its MLP on a rank of its own above them
/// when the residual is sequential (the MLP reads the heads' output) or beside them when it is
/// parallel (both read the same residual). Invisible edges (`style=invis`) chain consecutive
/// ranks so that layers stay in order even where no circuit edge links them.
///
/// Encoding: an edge's colour is the sign of its score (blue positive, red negative, grey
/// zero), its width |score| relative to the largest |score| among the circuit's edges; an
/// edge into a head's query is dashed, into its key dotted, into its value solid, and every
/// edge's tooltip carries its EAP-IG name (`…<q>`) and score. A node's fill is its score on a
/// diverging scale (white at zero to full blue or red at the largest |node score| in the
/// circuit). When only nodes were scored, edges are thin and grey.
///
/// The text is a function of the circuit and the options alone: nodes and edges come in the
/// graph's order, numbers are formatted without locale, every id is quoted and escaped.
public struct CircuitDOT: Sendable {
    /// The figure's title, first line of the graph label.
    public var title: String?
    /// Provenance for the header comment and the label's second line.
    public var meta: GraphFile.Meta?
    /// Whether the graph label states the encoding (the header comment always does).
    public var legend: Bool

    public init(title: String? = nil, meta: GraphFile.Meta? = nil, legend: Bool = true) {
        self.title = title
        self.meta = meta
        self.legend = legend
    }

    static let positive = "#2166ac"
    static let negative = "#b2182b"
    static let neutral = "#7f7f7f"
    static let minimumPenwidth = 0.5
    static let maximumPenwidth = 5.0

    public func dot(_ circuit: Circuit) -> String {
        let graph = circuit.graph
        var lines = headerComment(circuit)
        lines.append("digraph \(Self.quoted("circuit")) {")
        var graphAttributes = ["rankdir=BT", "newrank=true", "ranksep=0.45", "nodesep=0.2",
                               "fontname=\(Self.quoted("Helvetica"))"]
        let label = labelLines(edgesScored: circuit.edgeScores != nil)
        if !label.isEmpty {
            graphAttributes += ["label=\(Self.quoted(label.joined(separator: "\n")))", "labelloc=t", "fontsize=14"]
        }
        lines.append("  graph [\(graphAttributes.joined(separator: ", "))];")
        lines.append("  node [fontname=\(Self.quoted("Helvetica")), fontsize=10, style=filled, penwidth=0.8];")
        lines.append("  edge [arrowsize=0.5];")

        let ranks = self.ranks(circuit)
        let nodeScale = Self.largestMagnitude(of: (0..<graph.sourceCount).filter { circuit.nodeIn[$0] }.map { circuit.nodeScores[$0] })
        for rank in ranks {
            lines.append("  { rank=same;  // \(rank.comment)")
            for node in rank.nodes {
                lines.append("    " + nodeStatement(node, circuit: circuit, scale: nodeScale))
            }
            lines.append("  }")
        }

        if ranks.count > 1 {
            lines.append("  // layer order: one invisible edge from each rank to the next")
            for (lower, upper) in zip(ranks, ranks.dropFirst()) {
                lines.append("  \(Self.quoted(lower.nodes[0].name)) -> \(Self.quoted(upper.nodes[0].name)) [style=invis];")
            }
        }

        let inEdges = graph.edges.filter { circuit.edgeIn[graph.edgeSlot($0.source, $0.destination)] }
        let edgeScale = circuit.edgeScores.map { scores in
            Self.largestMagnitude(of: inEdges.map { scores[graph.edgeSlot($0.source, $0.destination)] })
        }
        if !inEdges.isEmpty { lines.append("  // the circuit's edges, in EAP-IG's order") }
        for (source, destination) in inEdges {
            let score = circuit.edgeScore(source, destination)
            lines.append("  " + edgeStatement(source, destination, graph: graph, score: score, scale: edgeScale ?? 0))
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Ranks

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
    }

    struct Rank {
        let comment: String
        let nodes: [DrawnNode]
    }

    /// The non-empty ranks from input to logits, each with its in-circuit nodes in graph order.
    func ranks(_ circuit: Circuit) -> [Rank] {
        let graph = circuit.graph
        func present(_ sources: [ComponentGraph.Source]) -> [DrawnNode] {
            sources.filter { circuit.nodeIn[graph.sourceIndex($0)] }.map { .source($0) }
        }
        var ranks = [Rank(comment: "input", nodes: present([.input]))]
        for layer in 0..<graph.layers {
            let heads = present((0..<graph.heads).map { .head(layer: layer, head: $0) })
            let mlp = present([.mlp(layer: layer)])
            if graph.parallelResidual {
                ranks.append(Rank(comment: "layer \(layer)", nodes: heads + mlp))
            } else {
                ranks.append(Rank(comment: "layer \(layer) heads", nodes: heads))
                ranks.append(Rank(comment: "layer \(layer) MLP", nodes: mlp))
            }
        }
        ranks.append(Rank(comment: "logits", nodes: circuit.nodeIn[circuit.logitsIndex] ? [.logits] : []))
        return ranks.filter { !$0.nodes.isEmpty }
    }

    // MARK: - Statements

    func nodeStatement(_ node: DrawnNode, circuit: Circuit, scale: Double) -> String {
        let graph = circuit.graph
        var attributes: [String]
        switch node {
        case .logits:
            attributes = ["shape=box", "style=\(Self.quoted("filled,bold"))", "fillcolor=\(Self.quoted("#e8e8e8"))",
                          "label=\(Self.quoted("logits"))", "tooltip=\(Self.quoted("logits"))"]
        case let .source(source):
            let score = circuit.nodeScores[graph.sourceIndex(source)]
            let shape: String
            let description: String
            switch source {
            case .input:
                shape = "shape=box, style=\(Self.quoted("filled,bold"))"
                description = "input (embedding)"
            case let .head(layer, head):
                shape = "shape=ellipse"
                description = "\(source.name) (layer \(layer), head \(head))"
            case let .mlp(layer):
                shape = "shape=box"
                description = "\(source.name) (layer \(layer) MLP)"
            }
            let strength = scale > 0 ? min(abs(score) / scale, 1) : 0
            attributes = [shape,
                          "fillcolor=\(Self.quoted(Self.fill(score: score, strength: strength)))",
                          "fontcolor=\(Self.quoted(strength > 0.6 ? "#ffffff" : "#000000"))",
                          "label=\(Self.quoted("\(source.name)\n\(Self.short(score))"))",
                          "tooltip=\(Self.quoted("\(description): score \(Self.long(score))"))"]
        }
        return "\(Self.quoted(node.name)) [\(attributes.joined(separator: ", "))];"
    }

    func edgeStatement(_ source: ComponentGraph.Source, _ destination: ComponentGraph.Destination,
                       graph: ComponentGraph, score: Double?, scale: Double) -> String {
        var attributes: [String] = []
        if let score {
            let color = score > 0 ? Self.positive : score < 0 ? Self.negative : Self.neutral
            let width = Self.minimumPenwidth
                + (Self.maximumPenwidth - Self.minimumPenwidth) * (scale > 0 ? min(abs(score) / scale, 1) : 0)
            attributes += ["color=\(Self.quoted(color))", "penwidth=\(Self.fixed(width, digits: 2))"]
        } else {
            attributes += ["color=\(Self.quoted(Self.neutral))", "penwidth=1.00"]
        }
        if case let .head(_, _, role) = destination {
            switch role {
            case .q: attributes.append("style=dashed")
            case .k: attributes.append("style=dotted")
            case .v: attributes.append("style=solid")
            }
        }
        let name = graph.edgeName(source, destination)
        attributes.append("tooltip=\(Self.quoted(score.map { "\(name): score \(Self.long($0))" } ?? name))")
        return "\(Self.quoted(source.name)) -> \(Self.quoted(destination.nodeName)) [\(attributes.joined(separator: ", "))];"
    }

    // MARK: - Header and label

    func headerComment(_ circuit: Circuit) -> [String] {
        var lines = ["circuitry circuit graph; render with `circuitry render` or Graphviz's dot"]
        if let meta {
            var model = "model: \(meta.model) (\(meta.architecture))"
            if let step = meta.step { model += ", step \(step)" }
            lines.append(model)
            var method = "method: \(meta.method)"
            if let igSteps = meta.igSteps { method += " (\(igSteps) steps)" }
            if !meta.corrections.isEmpty { method += ", corrections \(meta.corrections.joined(separator: " "))" }
            lines.append(method + ", \(meta.pairs) pairs")
            lines.append("metric: \(meta.metric), clean \(Self.long(meta.cleanMetric)), corrupted \(Self.long(meta.corruptedMetric))")
        }
        lines.append("circuit: \(circuit.nodeCount) nodes, \(circuit.edgeCount) edges of a \(circuit.graph.shapeDescription)")
        if circuit.edgeScores == nil {
            lines.append("edges: not scored (a node method), drawn thin and grey")
        } else {
            lines.append("edges: colour by the sign of the score (blue \(Self.positive) positive, red \(Self.negative) negative), "
                         + "width by |score| relative to the largest |score| among the circuit's edges")
        }
        lines.append("edges into a head: query dashed, key dotted, value solid; tooltips give the EAP-IG edge name and score")
        lines.append("nodes: fill by node score, white at zero to full blue (positive) or red (negative) at the largest |score|")
        return lines.map { "// " + Self.commentSafe($0) }
    }

    func labelLines(edgesScored: Bool) -> [String] {
        var lines: [String] = []
        if let title, !title.isEmpty { lines.append(title) }
        if let meta {
            var subtitle = [meta.model, meta.method, meta.metric]
            if let step = meta.step { subtitle.append("step \(step)") }
            lines.append(subtitle.joined(separator: " · "))
        }
        if legend {
            lines.append((edgesScored ? "edges: blue positive, red negative, width ∝ |score|" : "edges: not scored")
                         + "; into a head: q dashed, k dotted, v solid; nodes: fill by score")
        }
        return lines
    }
    // MARK: - Text

    /// A DOT quoted string. Labels and tooltips are escStrings, where a backslash starts an
    /// escape, so backslashes are doubled; quotes are escaped; line breaks become `\n` (a
    /// centred line break in a label); other control characters become spaces.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case _ where scalar.properties.generalCategory == .control: result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Comment text on one line: no line breaks or other control characters.
    static func commentSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : $0
        }))
    }

    /// Diverging fill: white blended towards blue (positive) or red (negative).
    static func fill(score: Double, strength: Double) -> String {
        let target: (Double, Double, Double) = score >= 0 ? (0x21, 0x66, 0xac) : (0xb2, 0x18, 0x2b)
        func channel(_ end: Double) -> Int { Int((255 + (end - 255) * strength).rounded()) }
        return String(format: "#%02x%02x%02x", channel(target.0), channel(target.1), channel(target.2))
    }

    static func largestMagnitude(of values: [Double]) -> Double { values.map(abs).max() ?? 0 }

    /// Scores in labels: three significant digits with sign.
    static func short(_ value: Double) -> String { String(format: "%+.3g", value) }
    /// Scores in tooltips and comments: six significant digits with sign.
    static func long(_ value: Double) -> String { String(format: "%+.6g", value) }
    static func fixed(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
