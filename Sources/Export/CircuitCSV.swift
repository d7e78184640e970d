import Attribution
import Circuits
import Foundation

/// The nodes and edges of a circuit as CSV tables with fixed columns (docs/exports.md).
///
/// Every node and every real edge of the graph is a row, in EAP-IG's order, with
/// `in_circuit` marking membership, as in the graph file. `rank` is the position by |score|
/// among all nodes (or all edges) of the graph, 1 for the largest, ties in graph order.
/// Scores are written in Swift's shortest round-trip form, so they read back exactly.
/// Empty fields mean "does not apply": `layer` and `head` where the node has none, the
/// score of `logits`, and every edge score when only nodes were scored.
public enum CircuitCSV {
    public static let nodeColumns = ["node", "kind", "layer", "head", "score", "abs_score", "rank", "in_circuit"]
    public static let edgeColumns = ["edge", "source", "destination", "role", "score", "abs_score", "rank", "in_circuit"]

    public static func nodes(_ circuit: Circuit) -> String {
        let graph = circuit.graph
        let ranks = ranksByMagnitude(circuit.nodeScores)
        var rows: [[String]] = graph.sources.enumerated().map { index, source in
            let (kind, layer, head): (String, Int?, Int?) = switch source {
            case .input: ("input", nil, nil)
            case let .head(l, h): ("head", l, h)
            case let .mlp(l): ("mlp", l, nil)
            }
            let score = circuit.nodeScores[index]
            return [source.name, kind, layer.map(String.init) ?? "", head.map(String.init) ?? "",
                    "\(score)", "\(abs(score))", "\(ranks[index])", "\(circuit.nodeIn[index])"]
        }
        rows.append(["logits", "logits", "", "", "", "", "", "\(circuit.nodeIn[circuit.logitsIndex])"])
        return table(header: nodeColumns, rows: rows)
    }

    public static func edges(_ circuit: Circuit) -> String {
        let graph = circuit.graph
        let edges = graph.edges
        let scores = circuit.edgeScores.map { all in edges.map { all[graph.edgeSlot($0.source, $0.destination)] } }
        let ranks = scores.map(ranksByMagnitude)
        let rows: [[String]] = edges.enumerated().map { index, edge in
            let role = if case let .head(_, _, role) = edge.destination { role.rawValue } else { "" }
            let scored = scores.map { ["\($0[index])", "\(abs($0[index]))"] } ?? ["", ""]
            return [graph.edgeName(edge.source, edge.destination), edge.source.name, edge.destination.nodeName, role]
                + scored
                + [ranks.map { "\($0[index])" } ?? "", "\(circuit.edgeIn[graph.edgeSlot(edge.source, edge.destination)])"]
        }
        return table(header: edgeColumns, rows: rows)
    }

    /// 1-based rank of each value by magnitude, largest first; equal magnitudes keep their order.
    static func ranksByMagnitude(_ values: [Double]) -> [Int] {
        let order = values.indices.sorted { abs(values[$0]) > abs(values[$1]) || (abs(values[$0]) == abs(values[$1]) && $0 < $1) }
        var ranks = [Int](repeating: 0, count: values.count)
        for (position, index) in order.enumerated() { ranks[index] = position + 1 }
        return ranks
    }

    /// RFC 4180: CRLF after every record, a field quoted when it holds a comma, a quote or a
    /// line break, with its quotes doubled.
    static func table(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
