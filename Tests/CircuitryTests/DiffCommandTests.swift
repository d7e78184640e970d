import Attribution
import Circuits
import Export
import Foundation
import Testing
@testable import circuitry

/// `circuitry diff` end to end on graph files written to a temporary folder.
@Suite("circuitry diff")
struct DiffCommandTests {
    /// A: {input, a0.h1, m1, logits}; B: {input, a0.h1, a1.h1, logits}; each with every edge among its nodes.
    static let a = CompareTests.graphFile(layers: 2, nodes: ["a0.h1", "m1"])
    static let b = CompareTests.graphFile(layers: 2, nodes: ["a0.h1", "a1.h1"])

    func inFolder(_ files: [GraphFile], _ body: (URL, [String]) throws -> Void) throws {
        try CompareTests.withFiles(files, body)
    }

    func diff(_ arguments: [String]) throws {
        var command = try Circuitry.parseAsRoot(["diff"] + arguments)
        try command.run()
    }

    /// The message a failing run prints, or "succeeded".
    func message(_ arguments: [String]) -> String {
        do {
            try diff(arguments)
            return "succeeded"
        } catch {
            return Circuitry.message(for: error)
        }
    }

    @Test func reportsCountsAndJaccard() throws {
        try inFolder([Self.a, Self.b]) { folder, paths in
            let (diff, _) = try Diff.diff(paths)
            let text = Diff.report(diff, graphs: paths, out: "d.svg")
            // Edges: A has 8 among its nodes, B 12; 5 are in both.
            #expect(text.contains("A: \(paths[0]) — circuit of 4 nodes, 8 edges\n"))
            #expect(text.contains("\nheads and MLPs: 1 kept, 1 added, 1 removed; Jaccard 0.3333\n  added: a1.h1\n  removed: m1\n"))
            #expect(text.contains("\nedges: 5 kept, 7 added, 3 removed; Jaccard 0.3333\n"))
            #expect(text.contains("  removed: input->m1 a0.h1->m1 m1->logits\n"))
            #expect(text.hasSuffix("wrote d.svg: 5 nodes, 15 edges (kept dark grey, added green, removed purple)\n"))

            let line = try Diff.json(diff, graphs: paths, out: "d.svg")
            #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(object["graph_b"] as? String == paths[1])
            let nodes = object["nodes"] as! [String: Any]
            #expect(nodes["kept"] as? Int == 1 && nodes["jaccard"] as? Double == 1.0 / 3)
            let members = nodes["members"] as! [[String: Any]]
            #expect(members.map { $0["name"] as! String } == ["input", "a0.h1", "a1.h1", "m1", "logits"])
            #expect(members[2]["change"] as? String == "added" && members[2]["score_a"] as? Double == 5)
            #expect(members[4]["score_a"] == nil)
            #expect((object["edges"] as! [String: Any])["removed"] as? Int == 3)
        }
    }

    @Test func writesEachFormatAndNothingElse() throws {
        try inFolder([Self.a, Self.b]) { folder, paths in
            for (name, signature) in [("d.svg", Array("<?xml".utf8)), ("d.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
                                      ("d.pdf", Array("%PDF-".utf8)), ("d.dot", Array("// circuitry circuit diff".utf8))] {
                try diff(["--graph", paths[0], "--graph", paths[1], "--out", folder.appendingPathComponent(name).path])
                let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
                #expect(Array(bytes.prefix(signature.count)) == signature, "\(name)")
            }
            let dot = try String(contentsOf: folder.appendingPathComponent("d.dot"), encoding: .utf8)
            let counts = try Graphviz.counts(dot: dot)
            #expect(counts.nodes == 5 && counts.edges == 15)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(names == ["d.dot", "d.pdf", "d.png", "d.svg", "graph0.json", "graph1.json"])
        }
    }

    @Test func identicalGraphsOnlyKeep() throws {
        try inFolder([Self.a, Self.a]) { _, paths in
            let (diff, _) = try Diff.diff(paths)
            #expect(Diff.report(diff, graphs: paths, out: "d.dot")
                .contains("heads and MLPs: 2 kept, 0 added, 0 removed; Jaccard 1.0000\n  added: —\n  removed: —\n"))
        }
    }

    @Test func badArgumentsAreNamed() throws {
        try inFolder([Self.a, Self.b]) { folder, paths in
            let graphs = ["--graph", paths[0], "--graph", paths[1]]
            #expect(message(graphs + ["--out", folder.appendingPathComponent("d.jpeg").path])
                == "--out \(folder.path)/d.jpeg: unknown extension '.jpeg' (expected .svg, .png, .pdf or .dot)")
            #expect(message(graphs + ["--out", folder.appendingPathComponent("d").path])
                == "--out \(folder.path)/d: no extension (expected .svg, .png, .pdf or .dot)")
            let missing = folder.appendingPathComponent("none.json").path
            #expect(message(["--graph", paths[0], "--graph", missing, "--out", "d.svg"]) == "--graph \(missing): no such file")
            #expect(message(["--graph", paths[0], "--out", "d.svg"]) == "give exactly two --graph files, A then B, got 1")
            #expect(message(graphs + ["--out", "/no/such/folder/d.svg"])
                == "--out /no/such/folder/d.svg: the folder /no/such/folder does not exist")
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(names == ["graph0.json", "graph1.json"])
        }
    }

    @Test func graphsOfDifferentModelsAreRefusedAndNothingIsWritten() throws {
        var wider = Self.b
        wider.cfg.dModel = 16
        var otherArchitecture = Self.b
        otherArchitecture.meta?.architecture = "llama"
        let deeper = CompareTests.graphFile(layers: 3, nodes: ["a0.h1"])
        try inFolder([Self.a, deeper, wider, otherArchitecture]) { folder, paths in
            let out = folder.appendingPathComponent("d.svg")
            for (other, key) in [(paths[1], "cfg.n_layers is 2 in A, 3 in B"), (paths[2], "cfg.d_model is 8 in A, 16 in B"),
                                 (paths[3], "meta.architecture is gpt2 in A, llama in B")] {
                let text = message(["--graph", paths[0], "--graph", other, "--out", out.path])
                #expect(text.hasPrefix("\(paths[0]) and \(other) are graphs of different models (\(key)): "))
                #expect(text.hasSuffix("`circuitry compare` compares circuits of different models"))
                #expect(!FileManager.default.fileExists(atPath: out.path))
            }
        }
    }

    @Test func badGraphLeavesTheOutputAlone() throws {
        try inFolder([Self.a]) { folder, paths in
            let bad = folder.appendingPathComponent("bad.json")
            try Data(#"{"cfg": {"n_layers": 1"#.utf8).write(to: bad)
            let out = folder.appendingPathComponent("d.svg")
            try Data("previous".utf8).write(to: out)
            #expect(message(["--graph", paths[0], "--graph", bad.path, "--out", out.path]).hasPrefix("\(bad.path): not valid graph JSON"))
            #expect(try Data(contentsOf: out) == Data("previous".utf8))
        }
    }
}
