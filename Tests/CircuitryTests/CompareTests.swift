import Attribution
import Circuits
import Export
import Foundation
import Testing
@testable import circuitry

/// `circuitry compare` on graph files written to a temporary folder.
@Suite struct CompareTests {
    /// A graph file of a `layers`-layer, 2-head model whose circuit holds `nodes` and the edges among them.
    static func graphFile(layers: Int, nodes: Set<String>) -> GraphFile {
        let graph = ComponentGraph(layers: layers, heads: 2, parallelResidual: false)
        var edgeScores = [Double](repeating: 0, count: graph.sourceCount * graph.destinationCount)
        for (s, d) in graph.edges {
            edgeScores[graph.sourceIndex(s) * graph.destinationCount + graph.destinationIndex(d)] =
                1 + Double((graph.sourceIndex(s) * 7 + graph.destinationIndex(d)) % 5)
        }
        let scores = AttributionScores(graph: graph, method: .eap, metric: .logitDiff, igSteps: nil, edgeScores: edgeScores,
                                       nodeScores: (0..<graph.sourceCount).map { Double($0) }, cleanMetric: 1, corruptedMetric: 0,
                                       pairCount: 1)
        var file = GraphFile(scores, dModel: 8, kvHeads: 2, model: "m", architecture: "gpt2")
        let members = nodes.union(["input", "logits"])
        for name in file.nodes.keys { file.nodes[name]!.inGraph = members.contains(name) }
        for name in file.edges.keys {
            let edge = EdgeName(name)!
            file.edges[name]!.inGraph = members.contains(edge.source) && members.contains(edge.destination)
        }
        return file
    }

    /// A fresh folder holding the files as `graph0.json`, `graph1.json`, …; removed after `body`.
    static func withFiles(_ files: [GraphFile], _ body: (URL, [String]) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-graphs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try files.enumerated().map { index, file in
            let url = folder.appendingPathComponent("graph\(index).json")
            try file.write(to: url)
            return url.path
        }
        try body(folder, paths)
    }

    @Test func differentDepthsAreAlignedAndTheRuleIsStated() throws {
        let small = Self.graphFile(layers: 2, nodes: ["a0.h1", "m1", "a1.h0"])
        let large = Self.graphFile(layers: 4, nodes: ["a0.h1", "a3.h0", "m2", "m1"])
        try Self.withFiles([small, large]) { _, paths in
            let text = try Compare.output(graphs: paths, topK: 5, json: false)
            #expect(text.contains("layers: layer l of the 4-layer model maps to round(l·(2−1)/(4−1)) of the 2-layer model"))
            #expect(text.contains("heads: same head count (2)"))
            #expect(text.contains("component overlap (Jaccard of aligned components): 0.7500"))
            #expect(text.contains("  only B: m0"))
            #expect(text.contains("spectral similarity (normalised-laplacian-w1): "))
            #expect(text.contains("shapes differ"))

            let line = try Compare.output(graphs: paths, topK: 5, json: true)
            #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let comparison = object["comparison"] as! [String: Any]
            #expect(comparison["component_jaccard"] as? Double == 0.75)
            #expect((comparison["layer_rule"] as? String)?.contains("round(l·(2−1)/(4−1))") == true)
            #expect(comparison["spectral_variant"] as? String == SpectralSimilarity.variant)
            #expect(comparison["same_shape_overlap"] == nil)
            #expect((object["graph_b"] as? [String: Any])?["components"] as? Int == 4)
        }
    }

    @Test func sameShapeAddsPlainJaccard() throws {
        let a = Self.graphFile(layers: 2, nodes: ["a0.h1", "m1"])
        let b = Self.graphFile(layers: 2, nodes: ["a0.h1", "a1.h1"])
        try Self.withFiles([a, b, a]) { _, paths in
            let text = try Compare.output(graphs: Array(paths[0...1]), topK: 3, json: false)
            // Heads and MLPs: {a0.h1, m1} against {a0.h1, a1.h1}.
            #expect(text.contains("same shape: node Jaccard 0.3333"))
            let identical = try Compare.output(graphs: [paths[0], paths[2]], topK: 3, json: false)
            #expect(identical.contains("component overlap (Jaccard of aligned components): 1.0000"))
            #expect(identical.contains("spectral similarity (normalised-laplacian-w1): 1.0000"))
        }
    }

    @Test func badArgumentsAndFiles() throws {
        func message(_ arguments: [String]) -> String {
            do {
                _ = try Circuitry.parseAsRoot(arguments)
                return "accepted"
            } catch { return Circuitry.message(for: error) }
        }
        #expect(message(["compare", "--graph", "/tmp"]) == "give exactly two --graph files, got 1")
        #expect(message(["compare", "--graph", "/no/a.json", "--graph", "/tmp"]) == "--graph /no/a.json: no such file")
        #expect(message(["compare", "--graph", "/tmp", "--graph", "/tmp", "--top-k", "0"]) == "--top-k must be positive, got 0")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("compare-bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{\"cfg\": 3}".utf8).write(to: folder)
        #expect { try Compare.output(graphs: [folder.path, folder.path], topK: 1, json: false) } throws: { error in
            "\(error)".hasPrefix(folder.path + ": key 'cfg' has the wrong type")
        }
        var file = Self.graphFile(layers: 2, nodes: [])
        file.nodes["a7.h0"] = file.nodes["a0.h0"]
        try Self.withFiles([file, file]) { _, paths in
            #expect { try Compare.output(graphs: paths, topK: 1, json: false) } throws: { error in
                "\(error)".hasPrefix("\(paths[0]): nodes.a7.h0 is not a node of a 2-layer")
            }
        }
    }
}
