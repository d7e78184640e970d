import Foundation
import Testing
@testable import Circuits
@testable import Export

@Suite struct GraphFileNamesTests {
    static func file(nodes: String, edges: String, nodeScores: String = "{}") throws -> GraphFile {
        let json = """
            {"cfg": {"n_layers": 2, "n_heads": 2, "parallel_attn_mlp": false, "d_model": 8},
             "nodes": \(nodes), "edges": \(edges), "node_scores": \(nodeScores),
             "meta": {"model": "m", "architecture": "gpt2", "method": "eap", "metric": "logit-diff", "corrections": [],
                      "clean_metric": 1, "corrupted_metric": 0, "pairs": 1, "kv_heads": 2, "score_units": "", "version": ""}}
            """
        return try JSONDecoder().decode(GraphFile.self, from: Data(json.utf8))
    }

    @Test func membershipAndScoresByName() throws {
        let file = try Self.file(
            nodes: #"{"input": {"in_graph": true, "score": 0.5}, "a1.h0": {"in_graph": false, "score": -2}, "m0": {"in_graph": true, "score": 9}, "logits": {"in_graph": true}}"#,
            edges: #"{"input->a1.h0<k>": {"score": 0.25, "in_graph": false}, "m0->logits": {"score": -1.5, "in_graph": true}}"#,
            nodeScores: #"{"m0": 1.0}"#)
        let circuit = try NamedCircuit(file, path: "g.json")
        #expect(circuit.layers == 2 && circuit.heads == 2)
        #expect(circuit.nodes == ["input", "m0", "logits"])
        #expect(circuit.edges == ["m0->logits"])
        #expect(circuit.nodeScores == ["input": 0.5, "a1.h0": -2, "m0": 1], "node_scores wins over a node's own score")
        #expect(circuit.edgeScores == ["input->a1.h0<k>": 0.25, "m0->logits": -1.5])
    }

    @Test func namesOutsideTheModelAreErrorsNamingTheFile() throws {
        func message(nodes: String = #"{"input": {"in_graph": true}}"#, edges: String = "{}", nodeScores: String = "{}") throws -> String? {
            let file = try Self.file(nodes: nodes, edges: edges, nodeScores: nodeScores)
            do {
                _ = try NamedCircuit(file, path: "g.json")
                return nil
            } catch { return error.description }
        }
        #expect(try message(nodes: #"{"a2.h0": {"in_graph": true}}"#) == "g.json: node 'a2.h0' names layer 2, but cfg.n_layers is 2")
        #expect(try message(nodes: #"{"a0.h2": {"in_graph": true}}"#) == "g.json: node 'a0.h2' names head 2, but cfg.n_heads is 2")
        #expect(try message(nodes: #"{"attn": {"in_graph": true}}"#)
            == "g.json: node 'attn' is not a node name (input, a{l}.h{h}, m{l}, logits)")
        #expect(try message(edges: #"{"input=>m0": {"score": 1, "in_graph": true}}"#)
            == "g.json: edge 'input=>m0' is not an edge name (U->D, U->a{l}.h{h}<q|k|v>)")
        #expect(try message(edges: #"{"input->m5": {"score": 1, "in_graph": true}}"#)
            == "g.json: edge 'input->m5': destination 'm5' names layer 5, but cfg.n_layers is 2")
        #expect(try message(nodeScores: #"{"m1": 1}"#) == "g.json: node_scores has 'm1', which is not in nodes")
    }
}
