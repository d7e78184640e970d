import ArgumentParser
import Circuits
import Export
import Foundation

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut a scored graph down to a circuit.",
        discussion: """
            Reads a graph JSON written by `circuitry attribute` (or EAP-IG) and writes the same graph with `in_graph` \
            marking the circuit. Heads/MLPs and edges left without a path from input to logits are dropped, and the \
            count is reported.
            """)

    @Option(help: ArgumentHelp("The scored graph JSON.", valueName: "file")) var graph: String
    @OptionGroup var pruning: PruningOptions
    @Option(help: ArgumentHelp("The circuit JSON to write.", valueName: "file")) var out: String

    func validate() throws {
        _ = try pruning.rule(default: nil)
    }

    func run() throws {
        let file = try GraphFile.read(from: URL(fileURLWithPath: graph))
        let full = try file.circuit(expecting: nil, file: graph)
        let result = try full.pruned(try pruning.rule(default: nil), method: file.meta?.method ?? "unknown")
        try GraphFile(result.circuit, meta: file.meta, dModel: file.cfg.dModel).write(to: URL(fileURLWithPath: out))
        print(PruningReport(result))
        print("wrote \(out)")
    }
}

/// One line on what pruning kept and dropped.
struct PruningReport: CustomStringConvertible {
    let result: PruningResult
    init(_ result: PruningResult) { self.result = result }

    var description: String {
        let circuit = result.circuit
        var line = "\(result.rule): \(circuit.componentCount) of \(circuit.graph.sourceCount - 1) heads/MLPs, "
            + "\(circuit.edgeCount) of \(circuit.graph.edges.count) edges"
        if result.droppedNodes + result.droppedEdges > 0 {
            line += "; dropped as dangling (no path from input to logits): \(result.droppedNodes) heads/MLPs, \(result.droppedEdges) edges"
        }
        if let shortfall = result.shortfall { line += "; fewer than asked: \(shortfall)" }
        return line
    }
}
