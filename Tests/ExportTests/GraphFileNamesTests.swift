import Attribution
import Foundation
import Testing
@testable import Circuits
@testable import Export

@Suite struct GraphFileNamesTests {
    /// A written circuit reads back by name with its membership and scores.
    @Test func membershipAndScoresByName() throws {
        let graph = ComponentGraph(layers: 2, heads: 2, parallelResidual: false)
        let edges = graph.edgeMask.enumerated().map { $0.element ? Double($0.offset % 7) - 3 : 0 }
        let full = Circuit(graph: graph, nodeScores: (0..<graph.sourceCount).map { Double($0) - 2 }, edgeScores: edges)
        let circuit = try full.pruned(.topEdges(6)).circuit
        let file = GraphFile(circuit, meta: nil, dModel: 8)
        let named = try NamedCircuit(file, path: "g.json")
        #expect(named == circuit.named)
        #expect(named.nodes == Set(circuit.nodeNames))
        #expect(named.edges.count == circuit.edgeCount)
        #expect(named.nodeScores["m1"] == 4)   // source index 6 − 2
    }

    /// Names outside the model's graph are refused with the file's name, as the graph reader does.
    @Test func namesOutsideTheModelAreErrorsNamingTheFile() throws {
        let graph = ComponentGraph(layers: 2, heads: 2, parallelResidual: false)
        var file = GraphFile(Circuit(graph: graph, nodeScores: Array(repeating: 1, count: graph.sourceCount), edgeScores: nil),
                             meta: nil, dModel: 8)
        file.nodes["a2.h0"] = file.nodes["a0.h0"]
        #expect { try NamedCircuit(file, path: "g.json") } throws: { error in
            "\(error)".hasPrefix("g.json: nodes.a2.h0 is not a node of")
        }
    }
}
