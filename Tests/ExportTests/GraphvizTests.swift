import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Export

@Suite("Graphviz rendering")
struct GraphvizTests {
    let dot = """
        digraph circuit {
          rankdir=BT;
          "input" -> "a0.h1" [color="#2166ac"];
          "a0.h1" -> "m0";
          "m0" -> "logits" [color="#b2182b", penwidth=2.5];
        }
        """

    @Test func svgHoldsOneElementPerNode() throws {
        let svg = try Graphviz.render(dot: dot, format: .svg)
        let document = try XMLDocument(data: svg)
        let nodes = try document.nodes(forXPath: "//*[local-name()='g'][@class='node']")
        #expect(nodes.count == 4)
        let titles = try document.nodes(forXPath: "//*[local-name()='g'][@class='node']/*[local-name()='title']").compactMap(\.stringValue)
        #expect(Set(titles) == ["input", "a0.h1", "m0", "logits"])
    }

    @Test func pngAndPdfHaveTheirSignatures() throws {
        let png = try Graphviz.render(dot: dot, format: .png)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let pdf = try Graphviz.render(dot: dot, format: .pdf)
        #expect(String(decoding: pdf.prefix(5), as: UTF8.self) == "%PDF-")
    }

    @Test func dotReadsBackWithItsCounts() throws {
        let counts = try Graphviz.counts(dot: dot)
        #expect(counts.nodes == 4 && counts.edges == 3)
    }

    @Test func invalidDOTIsAClearError() {
        #expect {
            try Graphviz.render(dot: "digraph { a -> }", format: .svg)
        } throws: { error in
            "\(error)".hasPrefix("graphviz: the DOT text does not parse")
        }
        #expect(Graphviz.Format(fileExtension: "SVG") == .svg)
        #expect(Graphviz.Format(fileExtension: "jpeg") == nil)
    }
}
