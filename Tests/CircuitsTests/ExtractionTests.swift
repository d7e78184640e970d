import Attribution
import Testing
@testable import Circuits

@Suite("Extraction")
struct ExtractionTests {
    @Test func eapIGTopNodesOnGPT2() throws {
        let (model, batch) = try Fixtures.load("gpt2")
        var options = Extraction.Options()
        options.rule = .topNodes(5)
        options.curveFractions = [0, 0.5, 1]
        let extraction = try Extraction(model: model, batches: [batch], options: options)
        let summary = extraction.summary
        #expect(summary.sizes.components == 5)
        #expect(summary.faithfulness.level == .edges)
        #expect(abs(summary.faithfulness.full - summary.metric.clean) < 1e-5)
        #expect(abs(summary.faithfulness.empty - summary.metric.corrupted) < 1e-5)
        // The summary's F is the report's, and the curve's ends are exact.
        #expect(summary.faithfulness.faithfulness == extraction.faithfulness.faithfulness(0))
        #expect(summary.faithfulness.curve?.points.last?.faithfulness == 1)
        #expect(summary.concentration.curve.count == model.dims.layers * (model.dims.heads + 1))
        #expect(summary.concentration.k90 != nil)
        #expect(summary.seconds.total >= summary.seconds.attribution)
    }
}
