import Attribution
import Foundation
import Models
import Testing
@testable import Circuits

/// ../shared/models/stories260K, when present.
private let storiesFolder: URL? = {
    let folder = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/models/stories260K")
    return FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) ? folder : nil
}()

/// A circuit of the real pretrained stories260K for generated role-cross pairs it solves.
@Suite(.enabled(if: storiesFolder != nil, "../shared/models/stories260K is not present"))
struct RealModelCircuitTests {
    @Test func roleCircuitIsFaithfulAndConcentrated() throws {
        let loaded = try LoadedModel(directory: storiesFolder!)
        let templates = try RoleTemplates(contentsOf: Fixtures.root.appendingPathComponent("circuits/roles/templates.json"))
        let generation = try RolePairGenerator(templates: templates, tokenizer: loaded.tokenizer)
            .generate(count: 60, seed: 0, solvedBy: loaded.transformer)
        let batches = try PairSet(generation.minimalPairs, source: "generated", padId: 0).batches(size: 30)
        var options = Extraction.Options()
        options.rule = .topNodes(8)
        options.curveFractions = [0, 0.1, 0.5, 1]
        let extraction = try Extraction(model: loaded.transformer, batches: batches, options: options)
        let summary = extraction.summary
        print("stories260K circuit:", summary.sizes, summary.faithfulness, "k90", summary.concentration.k90 as Any,
              "C(28)", summary.concentration.shareTop28)
        #expect(summary.metric.clean > 0 && summary.metric.corrupted < 0)
        #expect(summary.sizes.components == 8)
        // README: 8 of 45 heads/MLPs carry the behaviour (F ≈ 1.00), 90% of |attribution| within 18.
        let f = try #require(summary.faithfulness.faithfulness)
        #expect(f > 0.9, "the 8-component role circuit should carry the behaviour, F = \(f)")
        let k90 = try #require(summary.concentration.k90)
        #expect(k90 <= 20, "k90 = \(k90)")
    }
}
