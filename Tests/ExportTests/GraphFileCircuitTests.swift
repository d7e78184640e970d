import Attribution
import Circuits
import Foundation
import Testing
@testable import Export

@Suite("Graph file ↔ circuit")
struct GraphFileCircuitTests {
    static let path = "graphs/circuit.json"

    /// Writes `file` to disk, reads it back and returns the circuit.
    func roundTrip(_ file: GraphFile, expecting graph: ComponentGraph?) throws -> (GraphFile, Circuit) {
        let url = SmallCircuit.temporaryURL("graph.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        let read = try GraphFile.read(from: url)
        return (read, try read.circuit(expecting: graph, file: url.path))
    }

    @Test(arguments: [false, true])
    func prunedCircuitRoundTrips(parallel: Bool) throws {
        let circuit = SmallCircuit.circuit(parallel: parallel)
        let file = GraphFile(circuit, meta: SmallCircuit.meta, dModel: 16)
        #expect(file.edges.count == circuit.graph.edges.count)  // every edge kept, in or out
        #expect(file.nodes["m1"]?.inGraph == false)
        #expect(file.nodes["a0.h0"]?.inGraph == true)
        #expect(file.edges["input->a0.h0<v>"] == GraphFile.Edge(score: 0.8, inGraph: true))
        #expect(file.edges["input->a0.h0<k>"]?.inGraph == false)
        let (read, back) = try roundTrip(file, expecting: circuit.graph)
        #expect(read == file)
        #expect(back == circuit)
    }

    @Test func nodeCircuitRoundTripsWithoutEdges() throws {
        let circuit = SmallCircuit.circuit(edgeScores: false)
        let file = GraphFile(circuit, meta: SmallCircuit.meta, dModel: 16)
        #expect(file.edges.isEmpty)
        let (_, back) = try roundTrip(file, expecting: nil)
        #expect(back == circuit)
        #expect(back.edgeScores == nil)
        #expect(!back.contains(.head(layer: 1, head: 0), .mlp(layer: 1)))  // m1 is out, so its input edges are
    }

    @Test func fullGraphOfAnAttributionIsAllIn() throws {
        let scores = GraphJSONTests.scores(parallel: true)
        let file = GraphFile(scores, dModel: 8, kvHeads: 3, model: "m", architecture: "gpt_neox")
        let circuit = try file.circuit(expecting: scores.graph, dModel: 8, file: Self.path)
        #expect(circuit == Circuit(scores))
        #expect(file.meta?.method == "eap")
        #expect(file.nodes.values.allSatisfy(\.inGraph) && file.edges.values.allSatisfy(\.inGraph))
    }

    /// A file as EAP-IG's `Graph.to_json` writes it: no `node_scores`, no `meta`, node scores
    /// absent (or NaN where a node was not scored), `logits` with `in_graph` only.
    static func eapIGFile(nodeScores: String?) -> String {
        let graph = ComponentGraph(layers: 1, heads: 1, parallelResidual: false)
        let scores: [String: Double] = ["input->a0.h0<q>": 0.5, "input->a0.h0<k>": -0.25, "input->a0.h0<v>": 1.0,
                                        "input->m0": 0.125, "a0.h0->m0": 2.0, "input->logits": -1.0,
                                        "a0.h0->logits": 0.75, "m0->logits": 3.0]
        #expect(Set(scores.keys) == Set(graph.edges.map { graph.edgeName($0.source, $0.destination) }))
        let edges = scores.sorted { $0.key < $1.key }
            .map { #""\#($0.key)": {"score": \#($0.value), "in_graph": \#($0.key != "input->m0")}"# }
        let score = nodeScores.map { ", \"score\": \($0)" } ?? ""
        return """
            {"cfg": {"n_layers": 1, "n_heads": 1, "parallel_attn_mlp": false, "d_model": 4, "extra": "ignored"},
             "nodes": {"input": {"in_graph": true\(score)}, "a0.h0": {"in_graph": true\(score)},
                       "m0": {"in_graph": true}, "logits": {"in_graph": true}},
             "edges": {\(edges.joined(separator: ", "))}}
            """
    }

    @Test(arguments: [nil, "NaN"])
    func filesWrittenByEAPIGAreRead(nodeScores: String?) throws {
        let url = SmallCircuit.temporaryURL("eap-ig.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(Self.eapIGFile(nodeScores: nodeScores).utf8).write(to: url)
        let file = try GraphFile.read(from: url)
        #expect(file.meta == nil && file.nodeScores == nil)
        let circuit = try file.circuit(expecting: ComponentGraph(layers: 1, heads: 1, parallelResidual: false),
                                       dModel: 4, file: url.path)
        // Node scores are the sums of the outgoing edges.
        #expect(circuit.nodeScores == [0.5 - 0.25 + 1.0 + 0.125 - 1.0, 2.0 + 0.75, 3.0])
        #expect(circuit.edgeCount == 7)
        #expect(!circuit.contains(.input, .mlp(layer: 0)))
        #expect(circuit.edgeScore(.head(layer: 0, head: 0), .mlp(layer: 0)) == 2.0)
        // Written back by circuitry, it gains node_scores and keeps the absent meta absent.
        let rewritten = GraphFile(circuit, meta: nil, dModel: 4)
        #expect(rewritten.nodeScores?["a0.h0"] == 2.75)
        let object = try JSONSerialization.jsonObject(with: rewritten.jsonData()) as! [String: Any]
        #expect(Set(object.keys) == ["cfg", "nodes", "edges", "node_scores"])
    }

    @Test func metaWithoutCorrectionsMeansNone() throws {
        var object = try JSONSerialization.jsonObject(
            with: GraphFile(SmallCircuit.circuit(), meta: SmallCircuit.meta, dModel: 16).jsonData()) as! [String: Any]
        var meta = object["meta"] as! [String: Any]
        meta["corrections"] = nil
        object["meta"] = meta
        let file = try JSONDecoder().decode(GraphFile.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(file.meta?.corrections == [])
    }

    /// The message of the error `body` throws.
    func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func graphOfAnotherModelIsRefused() {
        let file = GraphFile(SmallCircuit.circuit(), meta: SmallCircuit.meta, dModel: 16)
        let cases: [(ComponentGraph, String)] = [
            (ComponentGraph(layers: 3, heads: 2, parallelResidual: false), "cfg.n_layers is 2 but the model has 3"),
            (ComponentGraph(layers: 2, heads: 4, parallelResidual: false), "cfg.n_heads is 2 but the model has 4"),
            (ComponentGraph(layers: 2, heads: 2, parallelResidual: true), "cfg.parallel_attn_mlp is false but the model has true"),
        ]
        for (graph, expected) in cases {
            #expect(failure { _ = try file.circuit(expecting: graph, file: Self.path) }
                == "\(Self.path): \(expected): the graph comes from another model")
        }
        #expect(failure { _ = try file.circuit(expecting: nil, dModel: 32, file: Self.path) }
            == "\(Self.path): cfg.d_model is 16 but the model has 32: the graph comes from another model")
    }

    @Test func inconsistentFilesNameTheEntry() {
        let good = GraphFile(SmallCircuit.circuit(), meta: SmallCircuit.meta, dModel: 16)
        func message(_ change: (inout GraphFile) -> Void) -> String {
            var file = good
            change(&file)
            return failure { _ = try file.circuit(expecting: nil, file: Self.path) }
        }
        #expect(message { _ in } == "no error")
        #expect(message { $0.nodes["a2.h0"] = .init(inGraph: true, score: 1) }
            == "\(Self.path): nodes.a2.h0 is not a node of a 2-layer, 2-head, sequential-residual graph")
        #expect(message { $0.nodes["m1"] = nil } == "\(Self.path): nodes.m1 is missing (1 of 8 nodes are)")
        #expect(message { $0.edges["m1->a0.h0<q>"] = .init(score: 0, inGraph: false) }
            == "\(Self.path): edges.m1->a0.h0<q> is not an edge of a 2-layer, 2-head, sequential-residual graph")
        #expect(message { $0.edges["a0.h1->m0"] = nil; $0.edges["input->m1"] = nil }
            == "\(Self.path): edges.a0.h1->m0 is missing (2 of \(good.edges.count) edges are)")
        #expect(message { $0.edges["a1.h1->logits"]?.inGraph = true }
            == "\(Self.path): edges.a1.h1->logits is in the circuit but its node a1.h1 is not")
        #expect(message { $0.edges["input->m1"]?.inGraph = true }
            == "\(Self.path): edges.input->m1 is in the circuit but its node m1 is not")
        #expect(message { $0.nodeScores?["logits"] = 1 }
            == "\(Self.path): node_scores.logits is not a scored node of a 2-layer, 2-head, sequential-residual graph")
        #expect(message { $0.cfg.nHeads = 0 } == "\(Self.path): cfg describes no model (n_layers 2, n_heads 0)")
        #expect(message { $0.edges["input->logits"]?.score = .infinity }
            == "\(Self.path): edges.input->logits.score is inf, not a number")
    }

    @Test func nodeFileWithoutScoresIsRefused() {
        var file = GraphFile(SmallCircuit.circuit(edgeScores: false), meta: nil, dModel: 16)
        file.nodes["a0.h1"]?.score = nil
        file.nodeScores?["a0.h1"] = nil
        #expect(failure { _ = try file.circuit(expecting: nil, file: Self.path) }
            == "\(Self.path): nodes.a0.h1 has no score, and there are no edge scores to derive it from")
    }

    @Test func badJSONIsReportedWithThePath() throws {
        let url = SmallCircuit.temporaryURL("bad.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"cfg": {"n_layers": 2, "#.utf8).write(to: url)
        let message = failure { _ = try GraphFile.read(from: url) }
        #expect(message.hasPrefix("\(url.path): not valid graph JSON"))
    }
}
