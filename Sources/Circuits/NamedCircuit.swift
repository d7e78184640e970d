import Attribution

/// A circuit keyed by node and edge names instead of graph slots, so circuits of different
/// checkpoints, graph files and models of different shapes can be compared: two circuits
/// share a node when they share its name.
public struct NamedCircuit: Sendable, Equatable {
    /// The shape of the model the circuit came from (layers and query heads), needed to
    /// align layers between models of different depth.
    public var layers: Int
    public var heads: Int
    /// Signed scores of every scored node, in the circuit or not (`logits` has none).
    public var nodeScores: [String: Double]
    /// Signed scores of every scored edge, in the circuit or not; empty when the method
    /// scored nodes only.
    public var edgeScores: [String: Double]
    /// Names of the nodes in the circuit.
    public var nodes: Set<String>
    /// Names of the edges in the circuit.
    public var edges: Set<String>

    public init(layers: Int, heads: Int, nodeScores: [String: Double], edgeScores: [String: Double] = [:],
                nodes: Set<String>, edges: Set<String> = []) {
        self.layers = layers
        self.heads = heads
        self.nodeScores = nodeScores
        self.edgeScores = edgeScores
        self.nodes = nodes
        self.edges = edges
    }

    /// The names and scores of a slot-indexed circuit.
    public init(_ circuit: Circuit) {
        let graph = circuit.graph
        var nodeScores: [String: Double] = [:]
        for (source, score) in zip(graph.sources, circuit.nodeScores) { nodeScores[source.name] = score }
        var edgeScores: [String: Double] = [:]
        var edges: Set<String> = []
        for (source, destination) in graph.edges {
            let slot = graph.sourceIndex(source) * graph.destinationCount + graph.destinationIndex(destination)
            let name = graph.edgeName(source, destination)
            if let scores = circuit.edgeScores { edgeScores[name] = scores[slot] }
            if circuit.edgeIn[slot] { edges.insert(name) }
        }
        self.init(layers: graph.layers, heads: graph.heads, nodeScores: nodeScores, edgeScores: edgeScores,
                  nodes: Set(circuit.nodeNames), edges: edges)
    }

    /// True when edges were scored (edge methods); edge statistics need it.
    public var hasEdgeScores: Bool { !edgeScores.isEmpty }

    /// Heads and MLPs in the circuit. Input and logits are in every circuit, so node overlap is
    /// measured over these: two circuits with no head or MLP in common overlap 0, not 2/(n+2).
    public var components: Set<String> { nodes.subtracting(Self.endpoints) }

    /// Heads and MLPs in the circuit.
    public var componentCount: Int { components.count }

    /// Signed scores of every head and MLP, in the circuit or not.
    public var componentScores: [String: Double] { nodeScores.filter { !Self.endpoints.contains($0.key) } }

    /// The two nodes every circuit holds.
    public static let endpoints: Set<String> = ["input", "logits"]

    /// |score| of each member head and MLP; one outside the circuit weighs nothing.
    public var memberComponentWeights: [String: Double] { Self.weights(of: components, scores: nodeScores) }

    /// |score| of each member edge; an edge outside the circuit weighs nothing.
    public var memberEdgeWeights: [String: Double] { Self.weights(of: edges, scores: edgeScores) }

    /// A member without a score weighs 0.
    private static func weights(of members: Set<String>, scores: [String: Double]) -> [String: Double] {
        var weights: [String: Double] = [:]
        for name in members { weights[name] = abs(scores[name] ?? 0) }
        return weights
    }
}

extension Circuit {
    /// This circuit keyed by names, for comparison with circuits of other graphs.
    public var named: NamedCircuit { NamedCircuit(self) }
}
