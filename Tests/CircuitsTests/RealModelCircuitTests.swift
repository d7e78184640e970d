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

/// A circuit of the real pretrained stories260K for generated role-cross pairs.
@Suite(.enabled(if: storiesFolder != nil, "../shared/models/stories260K is not present"))
struct RealModelCircuitTests {
    @Test func roleCircuitIsFaithfulAndConcentrated() throws {
        let loaded = try LoadedModel(directory: storiesFolder!)
        let templates = try RoleTemplates(contentsOf: Fixtures.root.appendingPathComponent("circuits/roles/templates.json"))
        let generation = try RolePairGenerator(templates: templates, tokenizer: loaded.tokenizer).generate(count: 40, seed: 0)
        let batches = try PairSet(generation.minimalPairs, source: "generated", padId: 0).batches(size: 20)
        var options = Extraction.Options()
        options.curveFractions = [0, 0.1, 0.5, 1]
        let extraction = try Extraction(model: loaded.transformer, batches: batches, options: options)
        let summary = extraction.summary
        print("stories260K circuit:", summary.sizes, summary.faithfulness, "k90", summary.concentration.k90 as Any,
              "C(28)", summary.concentration.shareTop28)
        #expect(summary.metric.clean > summary.metric.corrupted)
        #expect(summary.sizes.components == 28)
        let f = try #require(summary.faithfulness.faithfulness)
        #expect(f > 0.5, "a 28-component role circuit should carry most of the behaviour, F = \(f)")
        #expect(summary.concentration.shareTop28 > 0.5)
    }
}
