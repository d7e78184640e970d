import Foundation
import Testing
@testable import Models
import Tensors

@Suite("Initialisation")
struct InitializationTests {
    /// Each architecture's parameter list names exactly the tensors transformers saved, with their shapes.
    @Test(arguments: ModelFixtureTests.models)
    func parameterSpecsMatchSavedCheckpoints(name: String) throws {
        let checkpoint = try Checkpoint(directory: ModelFixtureTests.folder(name))
        let specs = try checkpoint.loadConfig().parameterSpecs
        #expect(specs.map(\.name).sorted() == checkpoint.tensorNames)
        for spec in specs { #expect(try checkpoint.info(spec.name).shape == spec.shape, "\(name) \(spec.name)") }
    }

    @Test func initialisationIsDeterministicAndScaled() throws {
        let config = try Checkpoint(directory: ModelFixtureTests.folder("llama-gqa")).loadConfig()
        let a = try Transformer.randomlyInitialized(config: config, seed: 7)
        let b = try Transformer.randomlyInitialized(config: config, seed: 7)
        let c = try Transformer.randomlyInitialized(config: config, seed: 8)
        #expect(a.tokenEmbedding.storage == b.tokenEmbedding.storage)
        #expect(a.tokenEmbedding.storage != c.tokenEmbedding.storage)
        let values = a.blocks[0].mlp.input.storage.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean) < 0.002 && abs(std - 0.02) < 0.002, "mean \(mean), std \(std)")
        #expect(a.blocks[0].attentionNorm.weight.storage.allSatisfy { $0 == 1 })
        #expect(try a.logits(TokenBatch([[1, 2, 3]])).shape == [1, 3, 448])
    }
}
