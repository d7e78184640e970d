import Foundation
import Models
import Tensors
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

/// The tape's training loss and parameter gradients against torch autograd on the same checkpoints
/// (`fixtures/training/<arch>/gradients.json`: the prompts as one right-padded batch, loss on every next token).
@Suite struct GradientReferenceTests {
    struct Reference: Decodable {
        let sequences: [[Int]]
        let pad_id: Int
        let loss: Double
        let gradients: [String: [Float]]
    }

    @Test(arguments: ["gpt2", "gpt_neox", "llama"])
    func lossAndGradientsMatchTorch(arch: String) throws {
        let folder = trainingFixtures.appendingPathComponent(arch)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("gradients.json")))
        let checkpoint = try Checkpoint(directory: folder)
        let config = try checkpoint.loadConfig()
        var parameters: [String: Tensor] = [:]
        for spec in config.parameterSpecs { parameters[spec.name] = try checkpoint.tensor(spec.name, shape: spec.shape) }
        let batch = try TokenBatch(reference.sequences, padId: reference.pad_id)
        var targets = [Int](repeating: -100, count: batch.batch * batch.length)
        for (b, s) in reference.sequences.enumerated() {
            for t in 0..<(s.count - 1) { targets[b * batch.length + t] = s[t + 1] }
        }
        let (loss, gradients) = try Objective.lossAndGradients(parameters: parameters, config: config, batch: batch, targets: targets)
        #expect(abs(loss - reference.loss) < 1e-5, "\(arch): loss \(loss) vs torch \(reference.loss)")
        #expect(Set(gradients.keys) == Set(reference.gradients.keys))
        for (name, expected) in reference.gradients {
            let ours = try #require(gradients[name]).storage
            let scale = max(expected.map(abs).max() ?? 0, 1e-3)
            let worst = zip(ours, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4 * scale, "\(arch) \(name): max |Δ| \(worst) (scale \(scale))")
        }
    }
}
