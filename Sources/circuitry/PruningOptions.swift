import ArgumentParser
import Circuits

/// How to cut a scored graph to a circuit: exactly one of the four rules.
struct PruningOptions: ParsableArguments {
    @Option(name: .customLong("top-nodes"), help: ArgumentHelp("Keep the K heads/MLPs with the largest |score|.", valueName: "K"))
    var topNodes: Int?
    @Option(name: .customLong("top-edges"), help: ArgumentHelp("Keep the N edges with the largest |score|.", valueName: "N"))
    var topEdges: Int?
    @Option(help: ArgumentHelp("Keep the fewest heads/MLPs holding share P of the total |score|.", valueName: "P"))
    var cumulative: Double?
    @Option(help: ArgumentHelp("Grow N edges greedily from the logits by |score| (EAP-IG's greedy).", valueName: "N"))
    var greedy: Int?

    func validate() throws {
        let given = [topNodes != nil, topEdges != nil, cumulative != nil, greedy != nil].count { $0 }
        guard given <= 1 else { throw ValidationError("give one of --top-nodes, --top-edges, --cumulative, --greedy") }
        if let topNodes, topNodes < 0 { throw ValidationError("--top-nodes must be at least 0, got \(topNodes)") }
        if let topEdges, topEdges < 0 { throw ValidationError("--top-edges must be at least 0, got \(topEdges)") }
        if let greedy, greedy < 0 { throw ValidationError("--greedy must be at least 0, got \(greedy)") }
        if let cumulative, !(cumulative > 0 && cumulative <= 1) {
            throw ValidationError("--cumulative must be in (0, 1], got \(cumulative)")
        }
    }

    /// The flags given, to pass on to another command.
    var arguments: [String] {
        if let topNodes { return ["--top-nodes", String(topNodes)] }
        if let topEdges { return ["--top-edges", String(topEdges)] }
        if let cumulative { return ["--cumulative", String(cumulative)] }
        if let greedy { return ["--greedy", String(greedy)] }
        return []
    }

    /// The rule given, or `fallback` when none was.
    func rule(default fallback: PruningRule?) throws -> PruningRule {
        if let topNodes { return .topNodes(topNodes) }
        if let topEdges { return .topEdges(topEdges) }
        if let cumulative { return .cumulative(cumulative) }
        if let greedy { return .greedy(greedy) }
        guard let fallback else { throw ValidationError("give one of --top-nodes, --top-edges, --cumulative, --greedy") }
        return fallback
    }
}

extension AblationLevel: ExpressibleByArgument {}
