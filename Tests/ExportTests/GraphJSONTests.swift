import Attribution
import Foundation
import Testing
@testable import Export

@Suite("Graph JSON")
struct GraphJSONTests {
    /// Scores with a recognisable value per edge: source index + destination index / 1000.
    static func scores(parallel: Bool) -> AttributionScores {
        let graph = ComponentGraph(layers: 2, heads: 3, parallelResidual: parallel)
        var edges = [Double](repeating: 0, count: graph.sourceCount * graph.destinationCount)
        for (s, d) in graph.edges {
            edges[graph.sourceIndex(s) * graph.destinationCount + graph.destinationIndex(d)] =
                Double(graph.sourceIndex(s)) + Double(graph.destinationIndex(d)) / 1000
        }
        let nodes = (0..<graph.sourceCount).map { s in edges[(s * graph.destinationCount)..<((s + 1) * graph.destinationCount)].reduce(0, +) }
        return AttributionScores(graph: graph, method: .eap, metric: .logitDiff, igSteps: nil, edgeScores: edges,
                                 nodeScores: nodes, cleanMetric: 1.5, corruptedMetric: -0.5, pairCount: 4)
    }

    /// EAP-IG's edge count: per layer, 3H head inputs reading 1 + l(H+1) sources and the MLP
    /// reading those plus (sequential only) the layer's heads; logits read every source.
    @Test(arguments: [false, true])
    func edgeNamesAndCounts(parallel: Bool) throws {
        let file = GraphFile(Self.scores(parallel: parallel), dModel: 8, kvHeads: 3, model: "m", architecture: "gpt2")
        let (layers, heads) = (2, 3)
        var expected = 0
        for l in 0..<layers {
            let upstream = 1 + l * (heads + 1)
            expected += 3 * heads * upstream + upstream + (parallel ? 0 : heads)
        }
        expected += 1 + layers * (heads + 1)
        #expect(file.edges.count == expected)
        #expect(file.edges["input->a0.h2<k>"] != nil)
        #expect((file.edges["a0.h1->m0"] != nil) == !parallel)
        #expect(file.edges["m0->a0.h0<q>"] == nil)  // no edge backwards within a layer
        #expect(file.edges["m1->logits"]?.score == 8 + 20.0 / 1000)  // source m1 = 8, logits = destination 20
        #expect(file.nodes.count == 1 + layers * (heads + 1) + 1)
        #expect(file.nodes["logits"]?.score == nil)
    }

    @Test func roundTripIsByteStable() throws {
        let file = GraphFile(Self.scores(parallel: false), dModel: 8, kvHeads: 1, model: "fixtures/models/gpt2",
                             architecture: "gpt2", pairsHash: "abc")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-graph-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        let read = try GraphFile.read(from: url)
        #expect(read == file)
        #expect(try read.jsonData() == file.jsonData())
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        #expect(Set(object.keys) == ["cfg", "nodes", "edges", "node_scores", "meta"])
        #expect((object["cfg"] as! [String: Any])["parallel_attn_mlp"] as? Bool == false)
    }

    @Test func badFilesNameThePathAndKey() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"cfg": {"n_layers": 2}}"#.utf8).write(to: url)
        #expect { try GraphFile.read(from: url) } throws: { error in
            let message = "\(error)"
            return message.hasPrefix(url.path) && message.contains("n_heads")
        }
    }
}
