import Attribution
import Circuits
import Foundation
@testable import Export

/// A small fixed circuit on a 2-layer, 2-head graph with hand-chosen scores and membership,
/// the subject of the golden DOT file and of the rendering tests.
enum SmallCircuit {
    /// The circuit's edges and their scores: every role of head input, both signs, an MLP
    /// fed by two heads, and logits fed by a head and an MLP.
    static let edgesIn: [(source: ComponentGraph.Source, destination: ComponentGraph.Destination, score: Double)] = [
        (.input, .head(layer: 0, head: 0, .q), 0.3),
        (.input, .head(layer: 0, head: 0, .v), 0.8),
        (.input, .head(layer: 0, head: 1, .k), -0.2),
        (.head(layer: 0, head: 0), .mlp(layer: 0), 0.5),
        (.head(layer: 0, head: 1), .mlp(layer: 0), -0.4),
        (.head(layer: 0, head: 0), .head(layer: 1, head: 0, .q), -0.1),
        (.mlp(layer: 0), .head(layer: 1, head: 0, .v), 0.6),
        (.head(layer: 1, head: 0), .logits, 0.9),
        (.mlp(layer: 0), .logits, -0.3),
    ]
    static let nodesOut: Set<String> = ["a1.h1", "m1"]

    static let meta = GraphFile.Meta(model: "fixtures/models/small", architecture: "gpt2", method: "eap",
                                     metric: "logit-diff", cleanMetric: 1.25, corruptedMetric: -0.5, pairs: 8,
                                     pairsHash: "0123abcd", kvHeads: 2)

    static func circuit(parallel: Bool = false, edgeScores: Bool = true) -> Circuit {
        let graph = ComponentGraph(layers: 2, heads: 2, parallelResidual: parallel)
        var scores = [Double](repeating: 0, count: graph.sourceCount * graph.destinationCount)
        // Edges outside the circuit get small scores of both signs, so ranks and node sums are not trivial.
        for (source, destination) in graph.edges {
            let slot = graph.edgeSlot(source, destination)
            scores[slot] = Double(slot % 7 - 3) / 100
        }
        var edgeIn = [Bool](repeating: false, count: scores.count)
        // Under a parallel residual the heads do not feed their own layer's MLP: those edges do not exist.
        for edge in edgesIn where graph.sourceIndex(edge.source) < graph.upstreamCount(of: edge.destination) {
            scores[graph.edgeSlot(edge.source, edge.destination)] = edge.score
            edgeIn[graph.edgeSlot(edge.source, edge.destination)] = true
        }
        let nodeScores = (0..<graph.sourceCount).map { s in
            (0..<graph.destinationCount).reduce(0) { $0 + scores[s * graph.destinationCount + $1] }
        }
        var circuit = Circuit(graph: graph, nodeScores: nodeScores, edgeScores: edgeScores ? scores : nil)
        circuit.nodeIn = graph.nodeNames.map { !nodesOut.contains($0) }
        if edgeScores {
            circuit.edgeIn = edgeIn
        } else {
            // A node circuit: its edges are every real edge between two of its nodes.
            circuit.edgeIn = graph.edgeMask
            for (source, destination) in graph.edges where !(circuit.nodeIn[graph.sourceIndex(source)]
                                                            && circuit.nodeIn[graph.nodeIndex(of: destination)]) {
                circuit.edgeIn[graph.edgeSlot(source, destination)] = false
            }
        }
        return circuit
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-\(UUID().uuidString)-\(name)")
    }
}
