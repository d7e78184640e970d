import Attribution
import Circuits
import Foundation
import Testing
@testable import Export

@Suite("Circuit CSV")
struct CircuitCSVTests {
    /// Records split at CRLF; a test table holds no quoted line breaks.
    func records(_ text: String) -> [[String]] {
        #expect(text.hasSuffix("\r\n"))
        return text.components(separatedBy: "\r\n").dropLast().map { $0.components(separatedBy: ",") }
    }

    @Test func nodesTableHasFixedColumnsAndEveryNode() {
        let circuit = SmallCircuit.circuit()
        let rows = records(CircuitCSV.nodes(circuit))
        #expect(rows[0] == ["node", "kind", "layer", "head", "score", "abs_score", "rank", "in_circuit"])
        #expect(rows.count == 1 + circuit.graph.nodeNames.count)
        #expect(rows.allSatisfy { $0.count == 8 })
        #expect(rows.dropFirst().map { $0[0] } == circuit.graph.nodeNames)
        let byName = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        let head = circuit.nodeScores[circuit.graph.sourceIndex(.head(layer: 1, head: 0))]
        #expect(byName["a1.h0"]! == ["a1.h0", "head", "1", "0", "\(head)", "\(abs(head))", byName["a1.h0"]![6], "true"])
        #expect(byName["m1"]!.prefix(4) == ["m1", "mlp", "1", ""])
        #expect(byName["m1"]![7] == "false")
        #expect(byName["input"]!.prefix(4) == ["input", "input", "", ""])
        #expect(byName["logits"]! == ["logits", "logits", "", "", "", "", "", "true"])
        // Ranks are 1…n by |score| over the scored nodes.
        let ranked = rows.dropFirst().filter { !$0[6].isEmpty }.sorted { Int($0[6])! < Int($1[6])! }
        #expect(ranked.map { Int($0[6])! } == Array(1...circuit.graph.sourceCount))
        let magnitudes = ranked.map { Double($0[5])! }
        #expect(magnitudes == magnitudes.sorted(by: >))
    }

    @Test func edgesTableHasFixedColumnsAndEveryRealEdge() {
        let circuit = SmallCircuit.circuit()
        let graph = circuit.graph
        let rows = records(CircuitCSV.edges(circuit))
        #expect(rows[0] == ["edge", "source", "destination", "role", "score", "abs_score", "rank", "in_circuit"])
        #expect(rows.count == 1 + graph.edges.count)
        #expect(rows.allSatisfy { $0.count == 8 })
        let byName = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        #expect(byName["a1.h0->logits"]! == ["a1.h0->logits", "a1.h0", "logits", "", "0.9", "0.9", "1", "true"])
        #expect(byName["input->a0.h1<k>"]! == ["input->a0.h1<k>", "input", "a0.h1", "k", "-0.2", "0.2",
                                                byName["input->a0.h1<k>"]![6], "true"])
        #expect(rows.dropFirst().count { $0[7] == "true" } == circuit.edgeCount)
        // Scores read back exactly.
        for (source, destination) in graph.edges {
            #expect(Double(byName[graph.edgeName(source, destination)]![4]) == circuit.edgeScore(source, destination))
        }
    }

    @Test func nodeMethodEdgesHaveNoScores() {
        let rows = records(CircuitCSV.edges(SmallCircuit.circuit(edgeScores: false)))
        #expect(rows.dropFirst().allSatisfy { $0[4] == "" && $0[5] == "" && $0[6] == "" })
        #expect(rows.dropFirst().contains { $0[7] == "true" } && rows.dropFirst().contains { $0[7] == "false" })
    }

    @Test func fieldsAreQuotedAsRFC4180Says() {
        #expect(CircuitCSV.field("a0.h0->m0") == "a0.h0->m0")
        #expect(CircuitCSV.field("a,b") == #""a,b""#)
        #expect(CircuitCSV.field(#"say "hi""#) == #""say ""hi""""#)
        #expect(CircuitCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CircuitCSV.field("cr\r\nlf") == "\"cr\r\nlf\"")
        #expect(CircuitCSV.table(header: ["x", "y"], rows: [["1", "a,\"b\""]]) == "x,y\r\n1,\"a,\"\"b\"\"\"\r\n")
    }

    @Test func ranksBreakTiesInGraphOrder() {
        #expect(CircuitCSV.ranksByMagnitude([0.1, -0.3, 0.3, 0, 0.2]) == [4, 1, 2, 5, 3])
    }
}
