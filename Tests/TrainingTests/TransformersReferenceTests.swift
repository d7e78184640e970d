import Foundation
import Models
import Testing
@testable import Training

/// Checkpoints written by `circuitry train` load in transformers to the same logits
/// (`fixtures/training/<arch>/`, made by tools/make_training_fixtures.py).
@Suite struct TransformersReferenceTests {
    struct Reference: Decodable {
        struct Prompt: Decodable {
            let text: String
            let token_ids: [Int]
            let logits: [[Float]]
        }
        let prompts: [Prompt]
    }

    @Test(arguments: ["gpt2", "gpt_neox", "llama"])
    func trainedCheckpointMatchesTransformers(arch: String) throws {
        let folder = trainingFixtures.appendingPathComponent(arch)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let model = try LoadedModel(directory: folder)
        #expect(model.config.modelType == arch)
        for prompt in reference.prompts {
            // The tokenizer.json circuitry wrote encodes the same in Hugging Face's tokenizers.
            #expect(model.tokenizer.encode(prompt.text) == prompt.token_ids, "\(arch): \(prompt.text)")
            let logits = try model.transformer.logits(TokenBatch([prompt.token_ids]))
            let expected = prompt.logits.flatMap { $0 }
            #expect(logits.count == expected.count)
            let worst = zip(logits.storage, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(arch): max |Δlogit| \(worst) on \(prompt.text)")
        }
        // The state of the run that wrote it.
        let state = try TrainerState.load(folder.appendingPathComponent("trainer_state.json"))
        #expect(state.step == 20 && state.settings.arch == arch && state.threads == 1)
    }
}
