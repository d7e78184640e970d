import Attribution
import Testing
@testable import Circuits

@Suite struct CircuitTests {
    @Test func fullCircuitHoldsEveryRealEdge() {
        let graph = ComponentGraph(layers: 2, heads: 3, parallelResidual: true)
        let circuit = Circuit(graph: graph, nodeScores: Array(repeating: 0, count: graph.sourceCount), edgeScores: nil)
        #expect(circuit.edgeCount == graph.edges.count)
        #expect(circuit.nodeCount == graph.sourceCount + 1)
        #expect(circuit.componentCount == 2 * 4)
        #expect(!circuit.contains(.head(layer: 0, head: 1), .mlp(layer: 0)))
        #expect(circuit.contains(.head(layer: 0, head: 1), .mlp(layer: 1)))
    }
}
