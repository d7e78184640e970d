import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Circuits
@testable import Export

/// Parses SVG with Foundation's XML parser, collecting elements and text.
final class SVGProbe: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [[String: String]] = []
    var texts: [String] = []
    private var text = ""

    /// Nil when the document is not well-formed XML.
    static func parse(_ svg: String) -> SVGProbe? {
        let probe = SVGProbe()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = probe
        return parser.parse() ? probe : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(name)
        self.attributes.append(attributes)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { texts.append(text) }
        text = ""
    }

    func count(_ element: String) -> Int { elements.count { $0 == element } }
}

@Suite struct ChartsTests {
    var chart: LineChart {
        LineChart(title: "Overlap <nodes & edges>", yLabel: "Jaccard", series: [
            StepSeries(name: "nodes \"vs\" final", points: [(0, 0.2), (10, 0.5), (100, nil), (1000, 0.9), (143000, 1)]),
            StepSeries(name: "edges 'vs' final", points: [(0, 0.1), (10, 0.3), (100, 0.6), (1000, .nan), (143000, 1)]),
        ], yDomain: 0...1)
    }

    @Test func lineChartIsValidXMLWithEscapedText() throws {
        let svg = chart.svg()
        let probe = try #require(SVGProbe.parse(svg))
        #expect(probe.elements.first == "svg")
        #expect(probe.texts.contains("Overlap <nodes & edges>"))
        #expect(probe.texts.contains("nodes \"vs\" final") && probe.texts.contains("edges 'vs' final"))
        #expect(svg.contains("Overlap &lt;nodes &amp; edges&gt;"))
        // A missing or NaN value breaks a line: nodes runs 0–10 and 1000–143000; edges runs 0–100
        // and then a lone point at 143000, which gets a marker but no line.
        #expect(probe.count("polyline") == 3)
        #expect(probe.count("circle") == 8)
        #expect(chart.svg() == svg, "the same chart gives the same bytes")
    }

    @Test func stepAxisIsLogarithmicWithStepZero() throws {
        let axis = StepAxis(steps: [0, 10, 100, 1000, 143000])
        #expect(axis.ticks == [0, 1, 10, 100, 1000, 10000, 100000])
        #expect(axis.fraction(0) == 0 && axis.fraction(143000) == 1)
        #expect(abs(axis.fraction(999) - 3 / log10(143001.0)) < 1e-12)
        let probe = try #require(SVGProbe.parse(chart.svg()))
        for label in ["0", "1", "10", "100", "1k", "10k", "100k"] { #expect(probe.texts.contains(label), "tick \(label)") }
        #expect(probe.texts.contains { $0.hasPrefix("training step (log scale") })
        // Less than two decades: 2× and 5× ticks join in; a single step still gets an axis.
        #expect(StepAxis(steps: [1000, 5000]).ticks == [1000, 2000, 5000])
        #expect(StepAxis(steps: [3000, 4000]).ticks == [3000, 4000])
        #expect(StepAxis(steps: [7]).ticks == [7])
        #expect([0, 999, 1000, 2500, 143000, 1_000_000, 1_500_000].map(StepAxis.label) == ["0", "999", "1k", "2.5k", "143k", "1M", "1.5M"])
    }

    @Test func valueAxisTicks() {
        let fitted = ValueAxis(values: [0.03, 0.97])
        #expect(fitted.ticks.map { SVGText.number($0, decimals: fitted.decimals) } == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let large = ValueAxis(values: [-3, 48])
        // Range 51 over at most five intervals: steps of 20.
        #expect(large.low == -20 && large.high == 60 && large.ticks == [-20, 0, 20, 40, 60] && large.decimals == 0)
        let flat = ValueAxis(values: [2, 2])
        #expect(flat.low < 2 && flat.high > 2)
        #expect(SVGText.number(-0.0001, decimals: 2) == "0.00")
    }

    @Test func heatmapOfAPairwiseMatrix() throws {
        let matrix = PairwiseMatrix(steps: [0, 1000, 2000], values: [[1, 0.25, .nan], [0.25, 1, 0.5], [.nan, 0.5, 1]])
        let svg = Heatmap(title: "Node Jaccard", matrix: matrix, colourBarLabel: "similarity").svg()
        let probe = try #require(SVGProbe.parse(svg))
        // Nine cells, the background and the colour bar.
        #expect(probe.count("rect") == 9 + 2)
        #expect(probe.texts.contains("1000 × 2000: 0.50"))
        #expect(probe.texts.contains("0 × 2000: n/a"))
        #expect(probe.texts.contains("0.25") && probe.texts.contains("similarity"))
        let fills = probe.attributes.compactMap { $0["fill"] }
        #expect(fills.contains("#cccccc") && fills.contains("#fde725") && fills.contains("#440154") == false)
        #expect(probe.count("stop") == ColorScale.anchors.count)
        #expect(Heatmap(title: "Node Jaccard", matrix: matrix, colourBarLabel: "similarity").svg() == svg)
    }

    @Test func bigHeatmapsThinTheirLabelsAndDropCellValues() throws {
        let n = 60
        let matrix = PairwiseMatrix(steps: (0..<n).map { $0 * 1000 }, items: Array(0..<n)) { 1 / (1 + abs(Double($0 - $1))) }
        let probe = try #require(SVGProbe.parse(Heatmap(title: "big", matrix: matrix, colourBarLabel: "").svg()))
        #expect(probe.count("rect") == n * n + 2)
        #expect(!probe.texts.contains("0.50"), "no values printed in cells this small")
        #expect(probe.texts.filter { $0 == "1000" || $0 == "3000" }.count == 2, "every third label, on both axes")
    }

    @Test func colourScaleEndsAndContrast() {
        #expect(ColorScale.hex(0) == "#440154" && ColorScale.hex(1) == "#fde725")
        #expect(ColorScale.hex(-3) == "#440154" && ColorScale.hex(7) == "#fde725" && ColorScale.hex(.nan) == "#cccccc")
        #expect(ColorScale.textColour(0) == "#ffffff" && ColorScale.textColour(1) == "#222222")
    }

    @Test func controlCharactersCannotBreakTheDocument() throws {
        let chart = LineChart(title: "bell\u{7} and nul\u{0}", yLabel: "y", series: [StepSeries(name: "]]> <!--", points: [(5, 1)])])
        let probe = try #require(SVGProbe.parse(chart.svg()))
        #expect(probe.texts.contains("bell and nul"))
        #expect(probe.texts.contains("]]> <!--"))
    }

    @Test func emergenceChartsCoverWhatTheSummaryHolds() throws {
        let points = [0, 10, 100, 1000].enumerated().map { index, step in
            EmergencePoint(step: step, circuit: NamedCircuit(
                layers: 1, heads: 2, nodeScores: ["input": 1, "a0.h0": 1, "a0.h1": 1],
                edgeScores: ["input->a0.h0<q>": 1, "a0.h0->logits": 2, "input->a0.h1<v>": Double(index + 1), "a0.h1->logits": 1],
                nodes: index < 2 ? ["input", "a0.h0", "logits"] : ["input", "a0.h0", "a0.h1", "logits"],
                edges: index < 2 ? ["input->a0.h0<q>", "a0.h0->logits"]
                    : ["input->a0.h0<q>", "a0.h0->logits", "input->a0.h1<v>", "a0.h1->logits"]),
                measurements: StepMeasurements(cleanMetric: Double(index)))
        }
        let charts = EmergenceCharts.all(try EmergenceSummary(points: points, topK: 2))
        #expect(charts.map(\.name) == ["metric.svg", "overlap.svg", "size.svg", "pairwise-node-jaccard.svg",
                                       "pairwise-weighted-jaccard.svg", "pairwise-edge-jaccard.svg", "pairwise-spectral.svg"],
                "no faithfulness chart without faithfulness")
        for chart in charts { #expect(SVGProbe.parse(chart.svg) != nil, "\(chart.name)") }
        #expect(charts.last!.svg.contains(SpectralSimilarity.variant))
    }
}
