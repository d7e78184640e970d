import Attribution
import Circuits
import Foundation
import Testing
@testable import Export

@Suite("Circuit diff DOT")
struct CircuitDiffDOTTests {
    static let golden = SmallCircuit.repository.appendingPathComponent("fixtures/export/small-diff.dot")

    /// The small circuit at a later step: a0.h1 and its two edges are gone, a1.h1 has come in
    /// with an edge from m0 into its key and one to logits, and every score has doubled.
    static func later(parallel: Bool = false) -> Circuit {
        let earlier = SmallCircuit.circuit(parallel: parallel)
        let graph = earlier.graph
        var later = Circuit(graph: graph, nodeScores: earlier.nodeScores.map { 2 * $0 },
                            edgeScores: earlier.edgeScores!.map { 2 * $0 })
        later.nodeIn = earlier.nodeIn
        later.edgeIn = earlier.edgeIn
        let gone = ComponentGraph.Source.head(layer: 0, head: 1), come = ComponentGraph.Source.head(layer: 1, head: 1)
        later.nodeIn[graph.sourceIndex(gone)] = false
        for (source, destination) in graph.edges where source == gone || graph.nodeIndex(of: destination) == graph.sourceIndex(gone) {
            later.edgeIn[graph.edgeSlot(source, destination)] = false
        }
        later.nodeIn[graph.sourceIndex(come)] = true
        later.edgeIn[graph.edgeSlot(.mlp(layer: 0), .head(layer: 1, head: 1, .k))] = true
        later.edgeIn[graph.edgeSlot(come, .logits)] = true
        return later
    }

    static func smallDiff(parallel: Bool = false) throws -> CircuitDiff {
        try CircuitDiff(SmallCircuit.circuit(parallel: parallel), later(parallel: parallel))
    }

    static func smallDOT() throws -> String {
        var metaB = SmallCircuit.meta
        metaB.step = 2000
        var metaA = SmallCircuit.meta
        metaA.step = 1000
        return CircuitDiffDOT(title: "Small circuit, step 1000 → 2000", metaA: metaA, metaB: metaB).dot(try smallDiff())
    }

    @Test func matchesTheGoldenFile() throws {
        let dot = try Self.smallDOT()
        let expected = try? String(contentsOf: Self.golden, encoding: .utf8)
        if dot != expected {
            // Leave the new text beside the test run, so a deliberate change is one `cp` away.
            let actual = FileManager.default.temporaryDirectory.appendingPathComponent("small-diff.actual.dot")
            try dot.write(to: actual, atomically: true, encoding: .utf8)
            Issue.record("DOT differs from \(Self.golden.path); the new text is in \(actual.path)")
        }
        #expect(try Self.smallDOT() == dot, "the same diff gives the same bytes")
    }

    @Test func smallDiffHasTheExpectedChanges() throws {
        let diff = try Self.smallDiff()
        #expect(diff.nodeCounts == CircuitDiff.Counts(kept: 3, added: 1, removed: 1), "heads and MLPs")
        #expect(diff.nodes.count == 7, "with input and logits")
        #expect(diff.edgeCounts == CircuitDiff.Counts(kept: 7, added: 2, removed: 2))
    }

    @Test func readsBackWithTheUnionsCounts() throws {
        for parallel in [false, true] {
            let diff = try Self.smallDiff(parallel: parallel)
            let counts = try Graphviz.counts(dot: CircuitDiffDOT().dot(diff))
            #expect(counts.nodes == diff.nodes.count && counts.nodes == diff.nodeCounts.union + 2)
            #expect(counts.edges == diff.edgeCounts.union)
        }
    }

    @Test func svgHoldsOneNodeElementPerUnionNode() throws {
        let diff = try Self.smallDiff()
        let svg = try SVGSummary(Graphviz.render(dot: Self.smallDOT(), format: .svg))
        #expect(svg.nodeTitles.count == diff.nodes.count)
        #expect(Set(svg.nodeTitles) == Set(diff.nodes.map(\.name)))
        #expect(svg.edgeCount == diff.edgeCounts.union)
        // The legend is drawn in the label, with the counts.
        #expect(svg.texts.contains("kept"))
        #expect(svg.texts.contains { $0.contains("3 heads/MLPs, 7 edges") } && svg.texts.contains { $0.contains("1 head/MLP, 2 edges") })
    }

    @Test func changesAreTellableByColourAndStyle() throws {
        let dot = try Self.smallDOT()
        func line(_ prefix: String) -> String {
            let statements = dot.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            return statements.first { $0.hasPrefix(prefix) && !$0.contains("style=invis") } ?? ""
        }
        #expect(line(#""a0.h1" ["#).contains(##"style="filled,dashed", color="#762a83""##))
        #expect(line(#""a1.h1" ["#).contains(##"style="filled,bold", color="#1b7837""##))
        #expect(line(#""a1.h0" ["#).contains(##"style="filled", color="#4d4d4d""##))
        #expect(line(#""a1.h0" ["#).contains(#"label="a1.h0\n+0.9 → +1.8""#))
        // Removed edges end in a bar and keep the q/k/v style; widths follow the circuit the edge belongs to.
        #expect(line(#""input" -> "a0.h1""#).contains(##"color="#762a83", penwidth=1.00, style=dotted, arrowhead=tee"##))
        #expect(line(#""m0" -> "a1.h1""#).contains(##"color="#1b7837""##) && line(#""m0" -> "a1.h1""#).contains("style=dotted"))
        #expect(line(#""a1.h0" -> "logits""#).contains(##"color="#4d4d4d", penwidth=5.00"##))
        #expect(line(#""a1.h0" -> "logits""#).contains(#"tooltip="a1.h0->logits: kept; score A +0.9, B +1.8""#))
        #expect(!line(#""a1.h0" -> "logits""#).contains("arrowhead"), "kept edges end in the default arrow")
    }

    @Test func titleIsEscapedForTheHTMLLabel() throws {
        let title = #"A <b>bold</b> & "quoted" title"#
        let dot = CircuitDiffDOT(title: title).dot(try Self.smallDiff())
        #expect(dot.contains("A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; title"))
        let texts = try SVGSummary(Graphviz.render(dot: dot, format: .svg)).texts
        #expect(texts.contains(title))
        let bare = CircuitDiffDOT(legend: false).dot(try Self.smallDiff())
        #expect(!bare.contains("label=<"))
    }
}
