import Attribution

/// A circuit: a scored component graph with the subset of its nodes and edges that
/// are "in". The full graph of an attribution run is the circuit with everything in;
/// pruning switches members off; faithfulness patches everything that is out.
///
/// Nodes are indexed as `graph.nodeNames`: the sources in order, then `logits`.
/// Edges are indexed as score slots `source · destinationCount + destination`; a slot
/// that is not a real edge (the source does not reach the destination) is never in.
/// An edge in the circuit always has both of its nodes in.
public struct Circuit: Sendable, Equatable {
    public let graph: ComponentGraph
    /// Node scores in source order (logits has none).
    public let nodeScores: [Double]
    /// Edge scores [sources × destinations], row-major, zero where no edge exists; nil
    /// when the method scored nodes only.
    public let edgeScores: [Double]?
    /// Membership per node, `graph.nodeNames` order (sources, then logits).
    public var nodeIn: [Bool]
    /// Membership per edge slot [sources × destinations].
    public var edgeIn: [Bool]

    /// Everything in: the full graph.
    public init(graph: ComponentGraph, nodeScores: [Double], edgeScores: [Double]?) {
        precondition(nodeScores.count == graph.sourceCount, "one node score per source")
        precondition(edgeScores.map { $0.count == graph.sourceCount * graph.destinationCount } ?? true,
                     "one edge score per (source, destination) slot")
        self.graph = graph
        self.nodeScores = nodeScores
        self.edgeScores = edgeScores
        nodeIn = Array(repeating: true, count: graph.sourceCount + 1)
        edgeIn = graph.edgeMask
    }

    /// The full graph of an attribution run.
    public init(_ scores: AttributionScores) {
        self.init(graph: scores.graph, nodeScores: scores.nodeScores, edgeScores: scores.edgeScores)
    }

    /// Index of `logits` among the nodes.
    public var logitsIndex: Int { graph.sourceCount }

    public func contains(_ source: ComponentGraph.Source) -> Bool { nodeIn[graph.sourceIndex(source)] }

    public func contains(_ source: ComponentGraph.Source, _ destination: ComponentGraph.Destination) -> Bool {
        edgeIn[graph.sourceIndex(source) * graph.destinationCount + graph.destinationIndex(destination)]
    }

    /// The score of an edge slot, or nil when only nodes were scored.
    public func edgeScore(_ source: ComponentGraph.Source, _ destination: ComponentGraph.Destination) -> Double? {
        edgeScores.map { $0[graph.sourceIndex(source) * graph.destinationCount + graph.destinationIndex(destination)] }
    }

    /// Heads and MLPs in the circuit (input and logits are not components).
    public var componentCount: Int { (1..<graph.sourceCount).count { nodeIn[$0] } }
    public var nodeCount: Int { nodeIn.count { $0 } }
    public var edgeCount: Int { edgeIn.count { $0 } }

    /// Names of the nodes in the circuit, `graph.nodeNames` order.
    public var nodeNames: [String] { zip(graph.nodeNames, nodeIn).compactMap { $1 ? $0 : nil } }
}

extension ComponentGraph {
    /// True at every slot [sources × destinations] that is a real edge.
    public var edgeMask: [Bool] {
        var mask = Array(repeating: false, count: sourceCount * destinationCount)
        for (d, destination) in destinations.enumerated() {
            for s in 0..<upstreamCount(of: destination) { mask[s * destinationCount + d] = true }
        }
        return mask
    }

    /// The score slot of an edge: `source · destinationCount + destination`.
    public func edgeSlot(_ source: Source, _ destination: Destination) -> Int {
        sourceIndex(source) * destinationCount + destinationIndex(destination)
    }

    /// "2-layer, 4-head, sequential-residual graph", for messages.
    public var shapeDescription: String {
        "\(layers)-layer, \(heads)-head, \(parallelResidual ? "parallel" : "sequential")-residual graph"
    }

    /// The node index (`nodeNames` order) a destination belongs to.
    public func nodeIndex(of destination: Destination) -> Int {
        switch destination {
        case let .head(l, h, _): sourceIndex(.head(layer: l, head: h))
        case let .mlp(l): sourceIndex(.mlp(layer: l))
        case .logits: sourceCount
        }
    }
}

extension Circuit {
    /// Nothing in but the logits: every edge corrupted. Scores are zero.
    public static func empty(_ graph: ComponentGraph) -> Circuit {
        var circuit = Circuit(graph: graph, nodeScores: Array(repeating: 0, count: graph.sourceCount), edgeScores: nil)
        circuit.nodeIn = Array(repeating: false, count: graph.sourceCount + 1)
        circuit.nodeIn[graph.sourceCount] = true
        circuit.edgeIn = Array(repeating: false, count: circuit.edgeIn.count)
        return circuit
    }
}

extension Circuit {
    /// The same scored graph with everything in.
    public var unpruned: Circuit { Circuit(graph: graph, nodeScores: nodeScores, edgeScores: edgeScores) }
}
