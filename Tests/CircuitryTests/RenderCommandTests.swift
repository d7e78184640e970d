import ArgumentParser
import Foundation
import Testing
@testable import circuitry

/// `circuitry render` end to end on a small graph file written here.
@Suite("circuitry render")
struct RenderCommandTests {
    /// A 1-layer, 1-head graph as EAP-IG writes it, with `a0.h0->m0` and `m0` out of the circuit.
    static let graphJSON = """
        {"cfg": {"n_layers": 1, "n_heads": 1, "parallel_attn_mlp": false, "d_model": 4},
         "nodes": {"input": {"in_graph": true}, "a0.h0": {"in_graph": true}, "m0": {"in_graph": false},
                   "logits": {"in_graph": true}},
         "edges": {"input->a0.h0<q>": {"score": 0.5, "in_graph": true},
                   "input->a0.h0<k>": {"score": -0.25, "in_graph": true},
                   "input->a0.h0<v>": {"score": 1.0, "in_graph": true},
                   "input->m0": {"score": 0.125, "in_graph": false},
                   "a0.h0->m0": {"score": 2.0, "in_graph": false},
                   "input->logits": {"score": -1.0, "in_graph": true},
                   "a0.h0->logits": {"score": 0.75, "in_graph": true},
                   "m0->logits": {"score": 3.0, "in_graph": false}}}
        """

    /// A fresh folder holding `graph.json`, removed after `body`.
    func inFolder(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.graphJSON.utf8).write(to: folder.appendingPathComponent("graph.json"))
        try body(folder)
    }

    func render(_ arguments: [String]) throws {
        var command = try Circuitry.parseAsRoot(["render"] + arguments)
        try command.run()
    }

    /// The message a failing run prints, or "succeeded".
    func message(_ arguments: [String]) -> String {
        do {
            try render(arguments)
            return "succeeded"
        } catch {
            return Circuitry.message(for: error)
        }
    }

    @Test func writesEachFormat() throws {
        try inFolder { folder in
            let graph = folder.appendingPathComponent("graph.json").path
            for (name, signature) in [("c.svg", Array("<?xml".utf8)), ("c.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
                                      ("c.pdf", Array("%PDF-".utf8)), ("c.dot", Array("// circuitry".utf8))] {
                let out = folder.appendingPathComponent(name)
                try render(["--graph", graph, "--out", out.path, "--title", "tiny"])
                let bytes = try Data(contentsOf: out)
                #expect(Array(bytes.prefix(signature.count)) == signature, "\(name)")
            }
            // Only the circuit is drawn: m0 is out.
            let dot = try String(contentsOf: folder.appendingPathComponent("c.dot"), encoding: .utf8)
            #expect(dot.contains("\"a0.h0\" -> \"logits\""))
            #expect(!dot.contains("\"m0\""))
            #expect(dot.contains("label=\"tiny\\n"))
            // Nothing but the outputs and the input in the folder: no temporary files left.
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(names == ["c.dot", "c.pdf", "c.png", "c.svg", "graph.json"])
        }
    }

    @Test func badArgumentsAreNamed() throws {
        try inFolder { folder in
            let graph = folder.appendingPathComponent("graph.json").path
            #expect(message(["--graph", graph, "--out", folder.appendingPathComponent("c.jpeg").path])
                == "--out \(folder.path)/c.jpeg: unknown extension '.jpeg' (expected .svg, .png, .pdf or .dot)")
            #expect(message(["--graph", graph, "--out", folder.appendingPathComponent("circuit").path])
                == "--out \(folder.path)/circuit: no extension (expected .svg, .png, .pdf or .dot)")
            #expect(message(["--graph", folder.appendingPathComponent("none.json").path, "--out", "c.svg"])
                == "--graph \(folder.path)/none.json: no such file")
            #expect(message(["--graph", graph, "--out", "/no/such/folder/c.svg"])
                == "--out /no/such/folder/c.svg: the folder /no/such/folder does not exist")
        }
    }

    @Test func badGraphLeavesTheOutputAlone() throws {
        try inFolder { folder in
            let bad = folder.appendingPathComponent("bad.json")
            try Data(#"{"cfg": {"n_layers": 1, "n_heads": 1"#.utf8).write(to: bad)
            let out = folder.appendingPathComponent("c.svg")
            try Data("previous".utf8).write(to: out)
            #expect(message(["--graph", bad.path, "--out", out.path]).hasPrefix("\(bad.path): not valid graph JSON"))
            #expect(try Data(contentsOf: out) == Data("previous".utf8))

            let inconsistent = folder.appendingPathComponent("inconsistent.json")
            try Data(Self.graphJSON.replacingOccurrences(of: #""a0.h0->m0": {"score": 2.0, "in_graph": false}"#,
                                                        with: #""a0.h0->m0": {"score": 2.0, "in_graph": true}"#).utf8)
                .write(to: inconsistent)
            let fresh = folder.appendingPathComponent("fresh.png")
            #expect(message(["--graph", inconsistent.path, "--out", fresh.path])
                == "\(inconsistent.path): edges.a0.h0->m0 is in the circuit but its node m0 is not")
            #expect(!FileManager.default.fileExists(atPath: fresh.path))
        }
    }
}
