import Attribution
import Circuits
import Foundation

/// Writes the diff of two circuits as Graphviz DOT: every node and edge of either circuit,
/// kept, added or removed.
///
/// Layout as `DrawingLayout` (and so as `CircuitDOT`): input at the bottom, logits at the top,
/// one rank per layer, q/k/v inputs dashed, dotted and solid.
///
/// Encoding: colour says what changed, in a scheme that stays apart for colour-blind readers —
/// kept dark grey, added green, removed purple — and so does a second channel that survives
/// greyscale printing: an added node has a bold outline, a removed node a dashed one, and a
/// removed edge ends in a bar (`arrowhead=tee`) instead of an arrow. A node's label gives its
/// score in A and in B; an edge's width is its |score| in the circuit it belongs to (B for
/// kept and added, A for removed) relative to the largest such |score| drawn, and its tooltip
/// gives both scores. The graph label carries the legend, in the colours it names.
///
/// Deterministic like `CircuitDOT`: graph order, numbers without locale, everything quoted.
public struct CircuitDiffDOT: Sendable {
    /// The figure's title, first line of the graph label.
    public var title: String?
    /// Provenance of circuit A and B, for the header comment and the label.
    public var metaA: GraphFile.Meta?
    public var metaB: GraphFile.Meta?
    /// Whether the graph label carries the legend (the header comment always states the encoding).
    public var legend: Bool

    public init(title: String? = nil, metaA: GraphFile.Meta? = nil, metaB: GraphFile.Meta? = nil, legend: Bool = true) {
        self.title = title
        self.metaA = metaA
        self.metaB = metaB
        self.legend = legend
    }

    /// Colour, fill and styles of one kind of change.
    struct Look {
        let color: String
        let fill: String
        /// Node style on top of `filled`.
        let nodeStyle: String?
        let arrowhead: String
    }

    static func look(_ change: CircuitDiff.Change) -> Look {
        switch change {
        case .kept: Look(color: "#4d4d4d", fill: "#f0f0f0", nodeStyle: nil, arrowhead: "normal")
        case .added: Look(color: "#1b7837", fill: "#d9f0d3", nodeStyle: "bold", arrowhead: "normal")
        case .removed: Look(color: "#762a83", fill: "#e7d4e8", nodeStyle: "dashed", arrowhead: "tee")
        }
    }

    public func dot(_ diff: CircuitDiff) -> String {
        let graph = diff.graph
        var lines = headerComment(diff)
        lines.append("digraph \(DOTText.quoted("circuit diff")) {")
        var graphAttributes = DrawingLayout.graphAttributes
        let label = labelLines(diff)
        if !label.isEmpty {
            graphAttributes += ["label=<\(label.joined(separator: "<br/>"))>", "labelloc=t", "fontsize=14"]
        }
        lines.append("  graph [\(graphAttributes.joined(separator: ", "))];")
        lines.append("  node [fontname=\(DOTText.quoted("Helvetica")), fontsize=10, style=filled, penwidth=0.8];")
        lines.append("  edge [arrowsize=0.5];")

        lines += DrawingLayout.rankLines(DrawingLayout.ranks(graph) { diff.nodeChange($0) != nil }) { node in
            nodeStatement(node, diff: diff)
        }

        let drawn = graph.edges.compactMap { source, destination -> DrawnEdge? in
            let slot = graph.edgeSlot(source, destination)
            guard let change = diff.edgeChange(slot) else { return nil }
            // An edge is drawn at its score in the circuit it belongs to.
            let score = change == .removed ? diff.a.edgeScores?[slot] : diff.b.edgeScores?[slot]
            return DrawnEdge(source: source, destination: destination, slot: slot, change: change, score: score)
        }
        let scale = DrawingLayout.largestMagnitude(of: drawn.compactMap(\.score))
        if !drawn.isEmpty { lines.append("  // the edges of either circuit, in EAP-IG's order") }
        lines += drawn.map { "  " + edgeStatement($0, diff: diff, scale: scale) }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Statements

    struct DrawnEdge {
        let source: ComponentGraph.Source
        let destination: ComponentGraph.Destination
        let slot: Int
        let change: CircuitDiff.Change
        let score: Double?
    }

    func nodeStatement(_ node: DrawingLayout.DrawnNode, diff: CircuitDiff) -> String {
        let index = node.index(in: diff.graph)
        let change = diff.nodeChange(index)!
        let look = Self.look(change)
        var label = node.name
        var tooltip = "\(node.description): \(change.rawValue)"
        if index < diff.graph.sourceCount {
            let (a, b) = (diff.a.nodeScores[index], diff.b.nodeScores[index])
            label += "\n\(DOTText.short(a)) → \(DOTText.short(b))"
            tooltip += "; score A \(DOTText.long(a)), B \(DOTText.long(b))"
        }
        let attributes = ["shape=\(node.shape)",
                          "style=\(DOTText.quoted((["filled"] + [look.nodeStyle].compactMap { $0 }).joined(separator: ",")))",
                          "color=\(DOTText.quoted(look.color))", "fillcolor=\(DOTText.quoted(look.fill))",
                          "label=\(DOTText.quoted(label))", "tooltip=\(DOTText.quoted(tooltip))"]
        return "\(DOTText.quoted(node.name)) [\(attributes.joined(separator: ", "))];"
    }

    func edgeStatement(_ edge: DrawnEdge, diff: CircuitDiff, scale: Double) -> String {
        let look = Self.look(edge.change)
        var attributes = ["color=\(DOTText.quoted(look.color))",
                          "penwidth=\(edge.score.map { DrawingLayout.penwidth($0, scale: scale) } ?? "1.00")"]
        if let style = DrawingLayout.roleStyle(edge.destination) { attributes.append("style=\(style)") }
        if look.arrowhead != "normal" { attributes.append("arrowhead=\(look.arrowhead)") }
        var tooltip = "\(diff.graph.edgeName(edge.source, edge.destination)): \(edge.change.rawValue)"
        let scores = [("A", diff.a.edgeScores?[edge.slot]), ("B", diff.b.edgeScores?[edge.slot])]
            .compactMap { side, score in score.map { "\(side) \(DOTText.long($0))" } }
        if !scores.isEmpty { tooltip += "; score " + scores.joined(separator: ", ") }
        attributes.append("tooltip=\(DOTText.quoted(tooltip))")
        return "\(DOTText.quoted(edge.source.name)) -> \(DOTText.quoted(edge.destination.nodeName)) "
            + "[\(attributes.joined(separator: ", "))];"
    }

    // MARK: - Header and label

    func headerComment(_ diff: CircuitDiff) -> [String] {
        var lines = ["circuitry circuit diff, A → B; render with `circuitry diff` or Graphviz's dot"]
        for (side, meta) in [("A", metaA), ("B", metaB)] {
            if let meta { lines += DrawingLayout.provenance(meta).map { "\(side) \($0)" } }
        }
        let (nodes, edges) = (diff.nodeCounts, diff.edgeCounts)
        lines.append("heads and MLPs: \(nodes.kept) kept, \(nodes.added) added, \(nodes.removed) removed "
                     + "(Jaccard \(DOTText.fixed(nodes.jaccard, digits: 4))); edges: \(edges.kept) kept, \(edges.added) added, "
                     + "\(edges.removed) removed (Jaccard \(DOTText.fixed(edges.jaccard, digits: 4))) "
                     + "of a \(diff.graph.shapeDescription)")
        let (kept, added, removed) = (Self.look(.kept), Self.look(.added), Self.look(.removed))
        lines.append("colour: kept \(kept.color), added \(added.color), removed \(removed.color); "
                     + "added nodes bold, removed nodes dashed, removed edges end in a bar")
        lines.append("node labels: score in A → score in B; edge width: |score| in the circuit the edge belongs to "
                     + "(B, or A when removed) relative to the largest drawn")
        lines.append("edges into a head: query dashed, key dotted, value solid; tooltips give the EAP-IG edge name and both scores")
        return lines.map { "// " + DOTText.commentSafe($0) }
    }

    /// Lines of the HTML-like graph label: title, the two circuits' provenance, the legend.
    func labelLines(_ diff: CircuitDiff) -> [String] {
        var lines: [String] = []
        if let title, !title.isEmpty { lines += title.split(separator: "\n", omittingEmptySubsequences: false).map { Self.html(String($0)) } }
        if metaA != nil || metaB != nil {
            for (side, meta) in [("A", metaA), ("B", metaB)] {
                lines.append(Self.html("\(side): \(meta.map(DrawingLayout.subtitle) ?? "no provenance in the file")"))
            }
        }
        if legend {
            let (nodes, edges) = (diff.nodeCounts, diff.edgeCounts)
            func entry(_ change: CircuitDiff.Change, _ nodeCount: Int, _ edgeCount: Int) -> String {
                func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
                    "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
                }
                return "<font color=\"\(Self.look(change).color)\"><b>\(change.rawValue)</b></font>&#160;"
                    + "\(count(nodeCount, "head/MLP", plural: "heads/MLPs")), \(count(edgeCount, "edge"))"
            }
            lines.append([entry(.kept, nodes.kept, edges.kept), entry(.added, nodes.added, edges.added),
                          entry(.removed, nodes.removed, edges.removed)].joined(separator: " · "))
            lines.append(Self.html("added nodes bold; removed nodes dashed, removed edges end in a bar; "
                                   + "nodes: score A → B; edge width ∝ |score|; into a head: q dashed, k dotted, v solid"))
        }
        return lines
    }

    /// Text inside an HTML-like label, which Graphviz reads as XML.
    static func html(_ text: String) -> String { SVGText.escape(text) }
}
