import Attribution
import Circuits
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Export

@Suite("Circuit DOT")
struct CircuitDOTTests {
    static let golden = SmallCircuit.repository.appendingPathComponent("fixtures/export/small-circuit.dot")

    static func smallDOT() -> String {
        CircuitDOT(title: "Small circuit (2 layers × 2 heads)", meta: SmallCircuit.meta).dot(SmallCircuit.circuit())
    }

    @Test func matchesTheGoldenFile() throws {
        let dot = Self.smallDOT()
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        if dot != expected {
            // Leave the new text beside the test run, so a deliberate change is one `cp` away.
            let actual = FileManager.default.temporaryDirectory.appendingPathComponent("small-circuit.actual.dot")
            try dot.write(to: actual, atomically: true, encoding: .utf8)
            Issue.record("DOT differs from \(Self.golden.path); the new text is in \(actual.path)")
        }
    }

    @Test func readsBackWithTheCircuitsCounts() throws {
        for circuit in [SmallCircuit.circuit(), SmallCircuit.circuit(parallel: true),
                        SmallCircuit.circuit(edgeScores: false)] {
            let counts = try Graphviz.counts(dot: CircuitDOT(meta: SmallCircuit.meta).dot(circuit))
            #expect(counts.nodes == circuit.nodeCount)
            #expect(counts.edges == circuit.edgeCount)
        }
        let full = Circuit(graph: ComponentGraph(layers: 3, heads: 4, parallelResidual: false),
                           nodeScores: Array(repeating: 0, count: 16), edgeScores: nil)
        let counts = try Graphviz.counts(dot: CircuitDOT().dot(full))
        #expect(counts.nodes == 17 && counts.edges == full.graph.edges.count)
    }

    @Test func sameCircuitGivesTheSameBytesWhateverTheFileOrder() throws {
        // The same graph file with its keys in two different orders reads back to the same circuit
        // and the same DOT: nothing depends on dictionary order.
        let file = GraphFile(SmallCircuit.circuit(), meta: SmallCircuit.meta, dModel: 16)
        let object = try JSONSerialization.jsonObject(with: file.jsonData()) as! [String: Any]
        func text(reversed: Bool) throws -> String {
            func encode(_ value: Any) throws -> String {
                guard let dictionary = value as? [String: Any] else {
                    return String(decoding: try JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed), as: UTF8.self)
                }
                let keys = dictionary.keys.sorted(by: reversed ? (>) : (<))
                let members = try keys.map { key in "\(try encode(key)): \(try encode(dictionary[key]!))" }
                return "{" + members.joined(separator: ",") + "}"
            }
            return try encode(object)
        }
        let forward = try text(reversed: false)
        let backward = try text(reversed: true)
        #expect(forward != backward)
        let decoder = JSONDecoder()
        let dots = try [forward, backward].map { text in
            try CircuitDOT(meta: SmallCircuit.meta).dot(
                decoder.decode(GraphFile.self, from: Data(text.utf8)).circuit(expecting: nil, file: "graph.json"))
        }
        #expect(dots[0] == dots[1])
        #expect(dots[0] == CircuitDOT(meta: SmallCircuit.meta).dot(SmallCircuit.circuit()))
    }

    @Test func onlyCircuitMembersAreDrawn() {
        let dot = Self.smallDOT()
        #expect(!dot.contains("\"a1.h1\""))
        #expect(!dot.contains("\"m1\""))
        #expect(dot.contains(##""a1.h0" -> "logits" [color="#2166ac", penwidth=5.00"##))  // largest |score|
        #expect(dot.contains(##""input" -> "a0.h1" [color="#b2182b", penwidth=1.50, style=dotted, tooltip="input->a0.h1<k>: score -0.2"];"##))
        #expect(!dot.contains("\"input\" -> \"m0\" ["))  // a real edge, but not in the circuit
    }

    @Test func parallelResidualPutsTheMLPBesideTheHeads() {
        let dot = CircuitDOT(legend: false).dot(SmallCircuit.circuit(parallel: true))
        let ranks = dot.split(separator: "\n").filter { $0.contains("rank=same") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(ranks == ["{ rank=same;  // input", "{ rank=same;  // layer 0", "{ rank=same;  // layer 1", "{ rank=same;  // logits"])
        let sequential = CircuitDOT(legend: false).dot(SmallCircuit.circuit())
        #expect(sequential.contains("// layer 0 MLP") && !sequential.contains("// layer 1 MLP"))  // m1 is out
    }

    @Test func nodeMethodEdgesAreThinAndGrey() {
        let dot = CircuitDOT(meta: SmallCircuit.meta).dot(SmallCircuit.circuit(edgeScores: false))
        let edges = dot.split(separator: "\n").filter { $0.contains(" -> ") && !$0.contains("invis") }
        #expect(!edges.isEmpty)
        #expect(edges.allSatisfy { $0.contains(##"color="#7f7f7f", penwidth=1.00"##) })
        #expect(dot.contains("edges: not scored"))
    }

    @Test func textIsQuotedAndEscaped() throws {
        #expect(DOTText.quoted(#"say "hi" \N"#) == #""say \"hi\" \\N""#)
        #expect(DOTText.quoted("two\nlines\tand\u{7}bell") == #""two\nlines and bell""#)
        var meta = SmallCircuit.meta
        meta.model = "models/odd \"name\"\n// not a comment */ {"
        let title = #"Title with "quotes", a \backslash, <angle> & ampersand"#
        let dot = CircuitDOT(title: title, meta: meta).dot(SmallCircuit.circuit())
        // The model's line break does not escape the header comment: every line before the graph is a comment.
        let header = dot.split(separator: "\n").prefix { !$0.hasPrefix("digraph") }
        #expect(header.allSatisfy { $0.hasPrefix("// ") })
        let counts = try Graphviz.counts(dot: dot)
        #expect(counts.nodes == 6 && counts.edges == 9)
        // The rendered label shows the title as written.
        let svg = try Graphviz.render(dot: dot, format: .svg)
        let texts = try SVGSummary(svg).texts
        #expect(texts.contains(title))
        #expect(texts.contains { $0.contains(#"models/odd "name""#) })
    }

    @Test func svgHoldsOneNodeElementPerCircuitNode() throws {
        let circuit = SmallCircuit.circuit()
        let svg = try SVGSummary(Graphviz.render(dot: CircuitDOT(meta: SmallCircuit.meta).dot(circuit), format: .svg))
        #expect(svg.nodeTitles.count == circuit.nodeCount)
        #expect(Set(svg.nodeTitles) == Set(circuit.nodeNames))
        #expect(svg.edgeCount == circuit.edgeCount)  // invisible layer-order edges draw nothing
    }

    @Test func pngAndPdfHaveTheirSignatures() throws {
        let dot = Self.smallDOT()
        let png = try Graphviz.render(dot: dot, format: .png)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let pdf = try Graphviz.render(dot: dot, format: .pdf)
        #expect(String(decoding: pdf.prefix(5), as: UTF8.self) == "%PDF-")
    }
}

/// What a Graphviz SVG holds: the titles of its node groups (`<g class="node">`), its number of
/// edge groups, and every text element's content. Parsing fails on anything that is not XML.
struct SVGSummary {
    var nodeTitles: [String] = []
    var edgeCount = 0
    var texts: [String] = []

    init(_ data: Data) throws {
        let delegate = Collector()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw SVGError(message: parser.parserError.map { "\($0)" } ?? "the SVG is not well-formed XML")
        }
        nodeTitles = delegate.nodeTitles
        edgeCount = delegate.edgeCount
        texts = delegate.texts
    }

    struct SVGError: Error { let message: String }

    private final class Collector: NSObject, XMLParserDelegate {
        var nodeTitles: [String] = []
        var edgeCount = 0
        var texts: [String] = []
        /// Classes of the open `g` elements, innermost last.
        private var groups: [String] = []
        private var text: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch name {
            case "g":
                groups.append(attributes["class"] ?? "")
                if groups.last == "edge" { edgeCount += 1 }
            case "title", "text": text = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "g": groups.removeLast()
            case "title":
                if groups.last == "node", let text { nodeTitles.append(text) }
                text = nil
            case "text":
                if let text { texts.append(text) }
                text = nil
            default: break
            }
        }
    }
}
