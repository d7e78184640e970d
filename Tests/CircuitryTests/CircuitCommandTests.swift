import Circuits
import Export
import Foundation
import Testing
@testable import circuitry

/// `extract`, `prune` and `faithfulness` end to end on the GPT-2 fixture and its pairs.
@Suite("Circuit commands")
struct CircuitCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let gpt2 = root.appendingPathComponent("fixtures/models/gpt2").path
    static let neox = root.appendingPathComponent("fixtures/models/neox-parallel").path
    static let pairs = root.appendingPathComponent("fixtures/attribution/gpt2/pairs.jsonl").path
    static let files = ["circuit.dot", "circuit.json", "circuit.svg", "edges.csv", "graph.json", "nodes.csv", "summary.json"]

    func run(_ arguments: [String]) throws {
        var command = try Circuitry.parseAsRoot(arguments)
        try command.run()
    }

    func message(_ arguments: [String]) -> String {
        do { try run(arguments); return "succeeded" } catch { return Circuitry.message(for: error) }
    }

    func inFolder(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    @Test func extractWritesEveryFileAndTheyAgree() throws {
        try inFolder { folder in
            let out = folder.appendingPathComponent("gpt2-circuit")
            try run(["extract", "--model", Self.gpt2, "--pairs", Self.pairs, "--top-nodes", "4", "--out", out.path])
            let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(written == Self.files)
            let summary = try JSONDecoder.circuitry.decode(ExtractionSummary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
            #expect(summary.method == "eap-ig" && summary.sizes.components == 4)
            let circuit = try GraphFile.read(from: out.appendingPathComponent("circuit.json")).circuit(expecting: nil, file: "circuit.json")
            #expect(circuit.componentCount == 4 && circuit.edgeCount == summary.sizes.edges)
            #expect(!ExtractionReport(summary: summary, circuit: circuit, folder: out.path).description.contains("whole model"))
            let full = try GraphFile.read(from: out.appendingPathComponent("graph.json")).circuit(expecting: nil, file: "graph.json")
            #expect(full.componentCount == summary.sizes.graphComponents)
            #expect(try Graphviz.counts(dot: String(contentsOf: out.appendingPathComponent("circuit.dot"), encoding: .utf8)).nodes
                    == circuit.nodeCount)
            // No staging folder is left beside the output.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["gpt2-circuit"])

            // prune on the full graph gives what extract's own pruning gave.
            let pruned = folder.appendingPathComponent("pruned.json")
            try run(["prune", "--graph", out.appendingPathComponent("graph.json").path, "--top-nodes", "4", "--out", pruned.path])
            #expect(try GraphFile.read(from: pruned).circuit(expecting: nil, file: "pruned.json") == circuit)

            // faithfulness of the written circuit reproduces the summary's.
            try run(["faithfulness", "--model", Self.gpt2, "--pairs", Self.pairs, "--graph", pruned.path, "--json"])
            #expect(message(["faithfulness", "--model", Self.neox, "--pairs", Self.pairs, "--graph", pruned.path])
                        .contains("the graph comes from another model"))
        }
    }

    @Test func aCircuitThatIsTheWholeModelIsPointedOut() throws {
        try inFolder { folder in
            // The fixture has 10 heads/MLPs; extract's default keeps 28.
            let out = folder.appendingPathComponent("all")
            try run(["extract", "--model", Self.gpt2, "--pairs", Self.pairs, "--no-curve", "--out", out.path])
            let summary = try JSONDecoder.circuitry.decode(ExtractionSummary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
            let circuit = try GraphFile.read(from: out.appendingPathComponent("circuit.json")).circuit(expecting: nil, file: "circuit.json")
            let report = ExtractionReport(summary: summary, circuit: circuit, folder: out.path).description
            #expect(summary.sizes.components == 10 && summary.faithfulness.faithfulness == 1)
            #expect(report.contains("the circuit is the whole model") && report.contains("--top-nodes K below 10"))
        }
    }

    @Test func aFailedExtractLeavesAnExistingFolderAlone() throws {
        try inFolder { folder in
            let old = Data("earlier results".utf8)
            try old.write(to: folder.appendingPathComponent("summary.json"))
            try old.write(to: folder.appendingPathComponent("notes.txt"))
            // One of the outputs cannot be replaced: nothing may be, and nothing is left behind.
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("circuit.svg"), withIntermediateDirectories: false)
            let failure = message(["extract", "--model", Self.gpt2, "--pairs", Self.pairs, "--top-nodes", "3", "--out", folder.path])
            #expect(failure.contains("circuit.svg exists there as a folder"))
            #expect(try Data(contentsOf: folder.appendingPathComponent("summary.json")) == old)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["circuit.svg", "notes.txt", "summary.json"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
                        .filter { $0.contains(folder.lastPathComponent) && $0 != folder.lastPathComponent }.isEmpty)
        }
    }

    @Test func badArgumentsAreNamed() {
        #expect(message(["extract", "--model", Self.gpt2, "--pairs", Self.pairs, "--top-nodes", "3", "--top-edges", "4", "--out", "/tmp/x"])
                    == "give one of --top-nodes, --top-edges, --cumulative, --greedy")
        #expect(message(["extract", "--model", Self.gpt2, "--pairs", Self.pairs, "--method", "atp", "--top-edges", "4", "--out", "/tmp/x"])
                    .contains("scores nodes only"))
        #expect(message(["extract", "--model", Self.gpt2, "--pairs", Self.pairs, "--cumulative", "1.5", "--out", "/tmp/x"])
                    == "--cumulative must be in (0, 1], got 1.5")
        #expect(message(["prune", "--graph", "/no/such.json", "--top-nodes", "3", "--out", "/tmp/x.json"]).contains("/no/such.json"))
        #expect(message(["faithfulness", "--model", Self.gpt2, "--pairs", Self.pairs, "--graph", "/no/such.json"])
                    == "--graph /no/such.json: no such file")
    }
}
