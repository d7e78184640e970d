import Attribution
import Circuits
import Foundation

/// Writes the in-circuit part of a circuit as Graphviz DOT.
///
/// Layout as `DrawingLayout`: input at the bottom, logits at the top, one rank per layer,
/// invisible edges keeping layers in order, q/k/v inputs dashed, dotted and solid.
///
/// Encoding: an edge's colour is the sign of its score (blue positive, red negative, grey
/// zero), its width |score| relative to the largest |score| among the circuit's edges; every
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

    public func dot(_ circuit: Circuit) -> String {
        let graph = circuit.graph
        var lines = headerComment(circuit)
        lines.append("digraph \(DOTText.quoted("circuit")) {")
        var graphAttributes = DrawingLayout.graphAttributes
        let label = labelLines(edgesScored: circuit.edgeScores != nil)
        if !label.isEmpty {
            graphAttributes += ["label=\(DOTText.quoted(label.joined(separator: "\n")))", "labelloc=t", "fontsize=14"]
        }
        lines.append("  graph [\(graphAttributes.joined(separator: ", "))];")
        lines.append("  node [fontname=\(DOTText.quoted("Helvetica")), fontsize=10, style=filled, penwidth=0.8];")
        lines.append("  edge [arrowsize=0.5];")

        let nodeScale = DrawingLayout.largestMagnitude(
            of: (0..<graph.sourceCount).filter { circuit.nodeIn[$0] }.map { circuit.nodeScores[$0] })
        lines += DrawingLayout.rankLines(DrawingLayout.ranks(graph) { circuit.nodeIn[$0] }) { node in
            nodeStatement(node, circuit: circuit, scale: nodeScale)
        }

        let inEdges = graph.edges.filter { circuit.edgeIn[graph.edgeSlot($0.source, $0.destination)] }
        let edgeScale = circuit.edgeScores.map { scores in
            DrawingLayout.largestMagnitude(of: inEdges.map { scores[graph.edgeSlot($0.source, $0.destination)] })
        }
        if !inEdges.isEmpty { lines.append("  // the circuit's edges, in EAP-IG's order") }
        for (source, destination) in inEdges {
            let score = circuit.edgeScore(source, destination)
            lines.append("  " + edgeStatement(source, destination, graph: graph, score: score, scale: edgeScale ?? 0))
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Statements

    func nodeStatement(_ node: DrawingLayout.DrawnNode, circuit: Circuit, scale: Double) -> String {
        var attributes = ["shape=\(node.shape)"]
        switch node {
        case .logits:
            attributes += ["style=\(DOTText.quoted("filled,bold"))", "fillcolor=\(DOTText.quoted("#e8e8e8"))",
                           "label=\(DOTText.quoted("logits"))", "tooltip=\(DOTText.quoted("logits"))"]
        case let .source(source):
            let score = circuit.nodeScores[circuit.graph.sourceIndex(source)]
            if source == .input { attributes.append("style=\(DOTText.quoted("filled,bold"))") }
            let strength = scale > 0 ? min(abs(score) / scale, 1) : 0
            attributes += ["fillcolor=\(DOTText.quoted(Self.fill(score: score, strength: strength)))",
                           "fontcolor=\(DOTText.quoted(strength > 0.6 ? "#ffffff" : "#000000"))",
                           "label=\(DOTText.quoted("\(source.name)\n\(DOTText.short(score))"))",
                           "tooltip=\(DOTText.quoted("\(node.description): score \(DOTText.long(score))"))"]
        }
        return "\(DOTText.quoted(node.name)) [\(attributes.joined(separator: ", "))];"
    }

    func edgeStatement(_ source: ComponentGraph.Source, _ destination: ComponentGraph.Destination,
                       graph: ComponentGraph, score: Double?, scale: Double) -> String {
        var attributes: [String] = []
        if let score {
            let color = score > 0 ? Self.positive : score < 0 ? Self.negative : Self.neutral
            attributes += ["color=\(DOTText.quoted(color))", "penwidth=\(DrawingLayout.penwidth(score, scale: scale))"]
        } else {
            attributes += ["color=\(DOTText.quoted(Self.neutral))", "penwidth=1.00"]
        }
        if let style = DrawingLayout.roleStyle(destination) { attributes.append("style=\(style)") }
        let name = graph.edgeName(source, destination)
        attributes.append("tooltip=\(DOTText.quoted(score.map { "\(name): score \(DOTText.long($0))" } ?? name))")
        return "\(DOTText.quoted(source.name)) -> \(DOTText.quoted(destination.nodeName)) [\(attributes.joined(separator: ", "))];"
    }

    // MARK: - Header and label

    func headerComment(_ circuit: Circuit) -> [String] {
        var lines = ["circuitry circuit graph; render with `circuitry render` or Graphviz's dot"]
        if let meta { lines += DrawingLayout.provenance(meta) }
        lines.append("circuit: \(circuit.nodeCount) nodes, \(circuit.edgeCount) edges of a \(circuit.graph.shapeDescription)")
        if circuit.edgeScores == nil {
            lines.append("edges: not scored (a node method), drawn thin and grey")
        } else {
            lines.append("edges: colour by the sign of the score (blue \(Self.positive) positive, red \(Self.negative) negative), "
                         + "width by |score| relative to the largest |score| among the circuit's edges")
        }
        lines.append("edges into a head: query dashed, key dotted, value solid; tooltips give the EAP-IG edge name and score")
        lines.append("nodes: fill by node score, white at zero to full blue (positive) or red (negative) at the largest |score|")
        return lines.map { "// " + DOTText.commentSafe($0) }
    }

    func labelLines(edgesScored: Bool) -> [String] {
        var lines: [String] = []
        if let title, !title.isEmpty { lines.append(title) }
        if let meta { lines.append(DrawingLayout.subtitle(meta)) }
        if legend {
            lines.append((edgesScored ? "edges: blue positive, red negative, width ∝ |score|" : "edges: not scored")
                         + "; into a head: q dashed, k dotted, v solid; nodes: fill by score")
        }
        return lines
    }

    /// Diverging fill: white blended towards blue (positive) or red (negative).
    static func fill(score: Double, strength: Double) -> String {
        let target: (Double, Double, Double) = score >= 0 ? (0x21, 0x66, 0xac) : (0xb2, 0x18, 0x2b)
        func channel(_ end: Double) -> Int { Int((255 + (end - 255) * strength).rounded()) }
        return String(format: "#%02x%02x%02x", channel(target.0), channel(target.1), channel(target.2))
    }
}
