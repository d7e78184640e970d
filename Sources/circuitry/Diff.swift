import ArgumentParser
import Circuits
import Export
import Foundation

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw what changed between two circuits of one model: nodes and edges kept, added and removed.",
        discussion: """
            Reads two graph JSON files of the same model (docs/graph-json.md), A then B — typically two training \
            steps — and draws every node and edge of either circuit: kept (in both) dark grey, added (in B only) \
            green with bold nodes, removed (in A only) purple with dashed nodes and edges ending in a bar. Layout \
            as `circuitry render`; the format is --out's extension. Prints the counts and the Jaccard index of the \
            node and edge sets. Both graphs must have the same cfg (layers, heads, residual, d_model) and \
            architecture: names only mean the same component within one model; `circuitry compare` compares \
            circuits of different models. The output is written only when it is complete.
            """)

    @Option(name: .customLong("graph"), help: ArgumentHelp("A graph JSON file; give two, A then B.", valueName: "file"))
    var graphs: [String] = []
    @Option(help: ArgumentHelp("The file to write: .svg, .png, .pdf or .dot.", valueName: "file"))
    var out: String
    @Option(help: "A title above the drawing.") var title: String?
    @Flag(name: .customLong("no-legend"), help: "Leave the legend out of the drawing.")
    var noLegend = false
    @Flag(help: "Print one JSON object with every kept, added and removed node and edge.") var json = false

    func validate() throws {
        guard graphs.count == 2 else { throw ValidationError("give exactly two --graph files, A then B, got \(graphs.count)") }
        for graph in graphs { try requireFile(graph, option: "--graph") }
        _ = try DrawingOutput(validating: out)
    }

    func run() throws {
        let output = try DrawingOutput(validating: out)
        let (diff, files) = try Self.diff(graphs)
        let dot = CircuitDiffDOT(title: title, metaA: files[0].meta, metaB: files[1].meta, legend: !noLegend).dot(diff)
        try output.write(dot: dot, edgeCount: diff.edgeCounts.union)
        print(json ? try Self.json(diff, graphs: graphs, out: out) : Self.report(diff, graphs: graphs, out: out),
              terminator: "")
    }

    /// Reads both graph files, checks that they describe the same model, and diffs their circuits.
    static func diff(_ graphs: [String]) throws -> (CircuitDiff, [GraphFile]) {
        let files = try graphs.map { try GraphFile.read(from: URL(fileURLWithPath: $0)) }
        let circuits = try zip(files, graphs).map { file, path in try file.circuit(expecting: nil, file: path) }
        var differences = [
            ("cfg.n_layers", "\(files[0].cfg.nLayers)", "\(files[1].cfg.nLayers)"),
            ("cfg.n_heads", "\(files[0].cfg.nHeads)", "\(files[1].cfg.nHeads)"),
            ("cfg.parallel_attn_mlp", "\(files[0].cfg.parallelAttnMLP)", "\(files[1].cfg.parallelAttnMLP)"),
            ("cfg.d_model", "\(files[0].cfg.dModel)", "\(files[1].cfg.dModel)"),
        ]
        // EAP-IG's own files carry no meta; the architecture is compared when both name one.
        if let a = files[0].meta, let b = files[1].meta { differences.append(("meta.architecture", a.architecture, b.architecture)) }
        if let (key, a, b) = differences.first(where: { $0.1 != $0.2 }) {
            throw DifferentModels(description: "\(graphs[0]) and \(graphs[1]) are graphs of different models "
                + "(\(key) is \(a) in A, \(b) in B): a diff pairs nodes and edges by name, and a name means the "
                + "same component only within one model; `circuitry compare` compares circuits of different models")
        }
        return (try CircuitDiff(circuits[0], circuits[1]), files)
    }

    /// Counts and Jaccard indices for a reader, with the names that changed.
    static func report(_ diff: CircuitDiff, graphs: [String], out: String) -> String {
        /// Up to this many names are listed per change; `--json` lists them all.
        let listed = 20
        func names(_ members: [CircuitDiff.Member], _ change: CircuitDiff.Change) -> String {
            let names = members.filter { $0.change == change }.map(\.name)
            if names.isEmpty { return "—" }
            let more = names.count > listed ? " … and \(names.count - listed) more (--json lists every one)" : ""
            return names.prefix(listed).joined(separator: " ") + more
        }
        func counts(_ counts: CircuitDiff.Counts) -> String {
            "\(counts.kept) kept, \(counts.added) added, \(counts.removed) removed; Jaccard \(String(format: "%.4f", counts.jaccard))"
        }
        var lines: [String] = []
        for (label, (path, circuit)) in zip(["A", "B"], zip(graphs, [diff.a, diff.b])) {
            lines.append("\(label): \(path) — circuit of \(circuit.nodeCount) nodes, \(circuit.edgeCount) edges")
        }
        let (nodes, edges) = (diff.nodes, diff.edges)
        lines.append("heads and MLPs: " + counts(diff.nodeCounts))
        lines.append("  added: " + names(nodes, .added))
        lines.append("  removed: " + names(nodes, .removed))
        lines.append("edges: " + counts(diff.edgeCounts))
        lines.append("  added: " + names(edges, .added))
        lines.append("  removed: " + names(edges, .removed))
        lines.append("wrote \(out): \(diff.nodes.count) nodes, \(diff.edgeCounts.union) edges "
                     + "(kept dark grey, added green, removed purple)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line of JSON: the two paths, the output, and per kind the counts, Jaccard and every member.
    static func json(_ diff: CircuitDiff, graphs: [String], out: String) throws -> String {
        struct Part: Encodable {
            var kept: Int, added: Int, removed: Int, jaccard: Double
            var members: [CircuitDiff.Member]
            init(_ counts: CircuitDiff.Counts, _ members: [CircuitDiff.Member]) {
                (kept, added, removed, jaccard) = (counts.kept, counts.added, counts.removed, counts.jaccard)
                self.members = members
            }
        }
        struct Output: Encodable {
            var graphA: String, graphB: String, out: String
            var nodes: Part, edges: Part
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let output = Output(graphA: graphs[0], graphB: graphs[1], out: out,
                            nodes: Part(diff.nodeCounts, diff.nodes), edges: Part(diff.edgeCounts, diff.edges))
        return String(decoding: try encoder.encode(output), as: UTF8.self) + "\n"
    }
}

/// Two graph files that do not describe the same model.
struct DifferentModels: Error, CustomStringConvertible {
    let description: String
}
