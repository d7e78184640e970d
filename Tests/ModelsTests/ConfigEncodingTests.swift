import Foundation
import Testing
@testable import Models

@Suite struct ConfigEncodingTests {
    static let samples: [ModelConfig] = [
        .gpt2(GPT2Config(nEmbd: 64, nLayer: 2, nHead: 4, vocabSize: 100, nPositions: 128)),
        .gpt2(GPT2Config(nEmbd: 64, nLayer: 2, nHead: 4, vocabSize: 100, nInner: 100, activationFunction: "gelu",
                         tieWordEmbeddings: false, scaleAttnByInverseLayerIdx: true, bosTokenID: nil, eosTokenIDs: [1, 2])),
        .gptNeoX(GPTNeoXConfig(hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 256, vocabSize: 100,
                               rotaryPct: 0.5, rotaryEmbBase: 20_000, useParallelResidual: false)),
        .llama(LlamaConfig(hiddenSize: 64, intermediateSize: 172, numHiddenLayers: 5, numAttentionHeads: 8, vocabSize: 512,
                           numKeyValueHeads: 4, rmsNormEps: 1e-5, tieWordEmbeddings: true, maxPositionEmbeddings: 512)),
    ]

    @Test(arguments: samples)
    func encodeThenDecodeGivesTheSameConfig(_ config: ModelConfig) throws {
        let data = try config.jsonData()
        #expect(try ModelConfig.decode(data) == config)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["model_type"] as? String == config.modelType)
        #expect(object["architectures"] as? [String] == [config.architectureClass])
        #expect(object["dtype"] as? String == "float32")
        #expect(object["torch_dtype"] as? String == "float32")
    }

    @Test func neoxWritesBothRotarySpellings() throws {
        let data = try Self.samples[2].jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["rotary_pct"] as? Double == 0.5)
        #expect(object["rotary_emb_base"] as? Double == 20_000)
        let rope = try #require(object["rope_parameters"] as? [String: Any])
        #expect(rope["partial_rotary_factor"] as? Double == 0.5)
        #expect(rope["rope_theta"] as? Double == 20_000)
        #expect(rope["rope_type"] as? String == "default")
    }

    @Test func tokenIDsAndNullsAreWrittenAsTransformersDoes() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Self.samples[1].jsonData()) as? [String: Any])
        #expect(object["bos_token_id"] is NSNull)
        #expect(object["eos_token_id"] as? [Int] == [1, 2])
        #expect(object["n_inner"] as? Int == 100)
        let plain = try #require(try JSONSerialization.jsonObject(with: Self.samples[0].jsonData()) as? [String: Any])
        #expect(plain["n_inner"] is NSNull)
        #expect(plain["eos_token_id"] as? Int == 50256)
        #expect(String(decoding: try Self.samples[0].jsonData(), as: UTF8.self).contains(#""layer_norm_epsilon" : 1e-05"#))
    }

    @Test func writeIsAtomicAndValidates() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = folder.file("config.json")
        try Self.samples[3].write(to: url)
        #expect(try ModelConfig.load(directory: folder.url) == Self.samples[3])
        #expect(folder.contents == ["config.json"])

        let bad = ModelConfig.llama(LlamaConfig(hiddenSize: 64, intermediateSize: 172, numHiddenLayers: 5,
                                                numAttentionHeads: 8, vocabSize: 512, numKeyValueHeads: 3))
        expectCheckpointError(path: url.path, mentions: ["num_key_value_heads (3)"]) { try bad.write(to: url) }
        #expect(try ModelConfig.load(directory: folder.url) == Self.samples[3], "the old file is untouched")
        #expect(folder.contents == ["config.json"])
    }
}

extension ModelConfig: CustomTestStringConvertible {
    public var testDescription: String { "\(modelType) d_model \(dModel) d_mlp \(dMLP) tied \(tiedEmbeddings)" }
}
