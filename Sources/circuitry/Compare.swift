import ArgumentParser
import Circuits
import Export
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two circuits, from the same model or from models of different sizes.",
        discussion: """
            Reads two graph JSON files (docs/graph-json.md); a circuit is the nodes and edges with in_graph true. \
            Reports component overlap after aligning layers by relative depth (the rule is printed), spectral \
            similarity of the two circuit graphs, and — when both models have the same shape — plain node and edge \
            Jaccard, weighted Jaccard and top-k overlap.
            """)

    @Option(name: .customLong("graph"), help: ArgumentHelp("A graph JSON file; give exactly two.", valueName: "file"))
    var graphs: [String] = []
    @Option(name: .customLong("top-k"), help: "k of the top-k overlap (same-shape models).") var topK = 10
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard graphs.count == 2 else { throw ValidationError("give exactly two --graph files, got \(graphs.count)") }
        for graph in graphs where !FileManager.default.fileExists(atPath: graph) {
            throw ValidationError("--graph \(graph): no such file")
        }
        guard topK > 0 else { throw ValidationError("--top-k must be positive, got \(topK)") }
    }

    func run() throws {
        print(try Self.output(graphs: graphs, topK: topK, json: json), terminator: "")
    }

    /// Reads the two graph files and compares their circuits; the text report or one line of JSON.
    static func output(graphs: [String], topK: Int, json: Bool) throws -> String {
        let circuits = try graphs.map { path throws -> NamedCircuit in
            try NamedCircuit(GraphFile.read(from: URL(fileURLWithPath: path)), path: path)
        }
        let comparison = try CrossModelComparison(circuits[0], circuits[1], k: topK)
        return json ? try Self.json(comparison, graphs: graphs, circuits: circuits)
            : Self.report(comparison, graphs: graphs, circuits: circuits)
    }

    /// The machine-readable comparison, one line: the comparison's fields plus each graph's path and size.
    static func json(_ comparison: CrossModelComparison, graphs: [String], circuits: [NamedCircuit]) throws -> String {
        struct Output: Encodable {
            struct Graph: Encodable { var path: String; var nodes: Int; var edges: Int; var components: Int }
            var graphA: Graph
            var graphB: Graph
            var comparison: CrossModelComparison
        }
        let sizes = zip(graphs, circuits).map { Output.Graph(path: $0, nodes: $1.nodes.count, edges: $1.edges.count,
                                                             components: $1.componentCount) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(Output(graphA: sizes[0], graphB: sizes[1], comparison: comparison))
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The comparison for a reader: shapes, the alignment rules, overlap, spectra.
    static func report(_ comparison: CrossModelComparison, graphs: [String], circuits: [NamedCircuit]) -> String {
        func number(_ value: Double) -> String { String(format: "%.4f", value) }
        func list(_ names: [String]) -> String { names.isEmpty ? "—" : names.joined(separator: " ") }
        var lines: [String] = []
        for (label, (path, circuit)) in zip(["A", "B"], zip(graphs, circuits)) {
            lines.append("\(label): \(path) — \(circuit.layers) layers × \(circuit.heads) heads; circuit of \(circuit.nodes.count) "
                         + "nodes (\(circuit.componentCount) heads and MLPs), \(circuit.edges.count) edges")
        }
        lines.append("layers: \(comparison.layerRule)")
        lines.append("heads: \(comparison.headRule)")
        lines.append("components: \(comparison.componentRule)")
        lines.append("component overlap (Jaccard of aligned components): \(number(comparison.componentJaccard))  "
                     + "(shared \(comparison.shared.count), only A \(comparison.onlyA.count), only B \(comparison.onlyB.count))")
        lines.append("  shared: \(list(comparison.shared))")
        lines.append("  only A: \(list(comparison.onlyA))")
        lines.append("  only B: \(list(comparison.onlyB))")
        if let spectral = comparison.spectralSimilarity {
            lines.append("spectral similarity (\(comparison.spectralVariant)): \(number(spectral))")
            lines.append("  = \(SpectralSimilarity.definition)")
        } else {
            lines.append("spectral similarity: not available (a graph has no edge scores; node methods write none)")
        }
        if let same = comparison.sameShapeOverlap {
            var plain = "same shape: node Jaccard \(number(same.nodeJaccard)), weighted \(number(same.nodeWeightedJaccard)), "
                + "top-\(same.k) \(number(same.nodeTopK))"
            if let edges = same.edgeJaccard, let weighted = same.edgeWeightedJaccard, let top = same.edgeTopK {
                plain += "; edge Jaccard \(number(edges)), weighted \(number(weighted)), top-\(same.k) \(number(top))"
            }
            lines.append(plain)
        } else {
            lines.append("shapes differ: plain Jaccard by name is not reported (layer and head names do not correspond)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
