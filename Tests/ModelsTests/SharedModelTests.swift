import Foundation
import Testing
@testable import Models
import Tensors

/// The real pretrained Llama (karpathy's stories260K: GQA, 512-token vocab) in ../shared.
@Suite(.enabled(if: sharedModel("stories260K") != nil, "../shared/models/stories260K is not present"))
struct Stories260KModelTests {
    let folder = sharedModel("stories260K")!

    /// Greedy decoding from BOS reproduces karpathy's documented text (PROVENANCE.md).
    @Test func greedyStoryFromBOS() throws {
        let model = try LoadedModel(directory: folder)
        let bos = try #require(model.tokenizer.bosTokenId)
        #expect(model.tokenizer.encode("") == [bos])
        let generated = try model.transformer.generateGreedy(from: [bos], maxTokens: 40)
        let text = model.tokenizer.decode(generated, skipSpecialTokens: true)
        #expect(text.hasPrefix("Once upon a time, there was a little girl named Lily. She loved to play outside in the park."),
                "generated: \(text.debugDescription)")
    }

    @Test func shapeAndParameters() throws {
        let model = try LoadedModel(directory: folder).transformer
        #expect(model.architecture == .llama)
        #expect(model.dims == Transformer.Dims(layers: 5, heads: 8, kvHeads: 4, headDim: 8, dModel: 64, dMLP: 172,
                                               vocab: 512, maxPositions: 512))
        #expect(model.unembedding == nil)  // tied
        #expect(model.parameterCount == 260_032)
    }
}

/// Bad checkpoints fail with errors that name the file and the tensor or key.
@Suite("Model loading errors")
struct ModelLoadingErrorTests {
    static let gpt2 = fixture("models/gpt2")

    /// A copy of the GPT-2 fixture with `edit` applied to its tensors.
    func checkpoint(editing edit: (inout [String: Tensor]) -> Void) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-bad-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.gpt2, to: folder)
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file.tensor(name) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    func loadError(_ folder: URL) -> String {
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try LoadedModel(directory: folder)
            return "loaded without error"
        } catch {
            return "\(error)"
        }
    }

    @Test func missingTensorIsNamed() throws {
        let message = loadError(try checkpoint { $0["transformer.h.1.mlp.c_fc.weight"] = nil })
        #expect(message.contains("model.safetensors") && message.contains("transformer.h.1.mlp.c_fc.weight"), "\(message)")
    }

    @Test func wrongShapeIsNamed() throws {
        let message = loadError(try checkpoint { $0["transformer.h.0.attn.c_proj.weight"] = .zeros([32, 31]) })
        #expect(message.contains("transformer.h.0.attn.c_proj.weight") && message.contains("[32, 31]") && message.contains("[32, 32]"),
                "\(message)")
    }

    @Test func unknownModelTypeListsSupported() throws {
        let folder = try checkpoint { _ in }
        let config = folder.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"gpt2\"", with: "\"mamba\"")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let message = loadError(folder)
        #expect(message.contains("config.json") && message.contains("mamba") && message.contains("gpt_neox"), "\(message)")
    }

    @Test func unreadableTokenizerIsNamed() throws {
        let folder = try checkpoint { _ in }
        try Data("{ not json".utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
        let message = loadError(folder)
        #expect(message.contains("tokenizer.json"), "\(message)")
    }

    @Test func truncatedWeightsAreNamed() throws {
        let folder = try checkpoint { _ in }
        let weights = folder.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count / 2).write(to: weights)
        let message = loadError(folder)
        #expect(message.contains("model.safetensors") && message.contains("past the end"), "\(message)")
    }

    @Test func tokensOutsideTheVocabularyAreRefused() throws {
        let model = try LoadedModel(directory: Self.gpt2).transformer
        #expect(throws: ModelError.tokenOutOfRange(id: 9999, vocab: 448)) { try model.logits(TokenBatch([[1, 9999]])) }
        #expect(throws: ModelError.sequenceTooLong(length: 65, maxPositions: 64)) {
            try model.logits(TokenBatch([Array(repeating: 1, count: 65)]))
        }
        #expect(throws: ModelError.emptySequence(index: 1)) { try TokenBatch([[1], []]) }
    }
}
