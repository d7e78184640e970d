import Foundation
import Testing
@testable import Models
import Tensors

/// The real stories260K Llama checkpoint in `../shared/models/stories260K` (never copied into the repo).
@Suite(.enabled(if: sharedModel("stories260K") != nil, "../shared/models/stories260K is not present"))
struct SafeTensorsStories260KTests {
    let folder = sharedModel("stories260K")!

    @Test func configDecodesAsLlama() throws {
        let config = try ModelConfig.load(directory: folder)
        guard case let .llama(llama) = config else { Issue.record("expected llama, got \(config.modelType)"); return }
        #expect(config.nLayers == 5 && config.nHeads == 8 && config.nKVHeads == 4 && config.dHead == 8)
        #expect(config.dModel == 64 && config.dMLP == 172 && config.vocabSize == 512 && config.maxPositions == 512)
        #expect(config.tiedEmbeddings && config.normEps == 1e-5)
        #expect(llama.ropeTheta == 10_000 && llama.ropeParameters.ropeType == "default")
        #expect(!llama.attentionBias && !llama.mlpBias && llama.hiddenAct == "silu")
        #expect(llama.bosTokenID == 1 && llama.eosTokenIDs == [2])
    }

    @Test func weightsListAndRead() throws {
        let checkpoint = try Checkpoint(directory: folder)
        guard case let .single(file) = checkpoint.weights else { Issue.record("expected model.safetensors"); return }
        #expect(file.metadata == ["format": "pt"])
        #expect(checkpoint.tensorNames.count == 47)
        // 512·64 embedding (tied: no lm_head.weight) + 5 layers × 51,136 + final norm 64.
        #expect(try checkpoint.parameterCount == 260_032)
        #expect(!checkpoint.contains("lm_head.weight"))
        for name in checkpoint.tensorNames { #expect(try checkpoint.info(name).dtype == .f32, "\(name)") }

        let config = try checkpoint.loadConfig()
        let (d, kv, mlp) = (config.dModel, config.nKVHeads * config.dHead, config.dMLP)
        #expect(try checkpoint.tensor("model.embed_tokens.weight", shape: [config.vocabSize, d]).storage.prefix(4)
            == [-0.29474878311157227, 0.5618956089019775, 0.1754225343465805, 0.34057360887527466])
        #expect(try checkpoint.tensor("model.norm.weight", shape: [d]).storage.prefix(4)
            == [2.4583089351654053, 1.3673226833343506, 1.7504382133483887, 1.1078318357467651])
        for layer in 0..<config.nLayers {
            let prefix = "model.layers.\(layer)"
            let shapes: [(String, [Int])] = [
                ("self_attn.q_proj.weight", [config.nHeads * config.dHead, d]), ("self_attn.k_proj.weight", [kv, d]),
                ("self_attn.v_proj.weight", [kv, d]), ("self_attn.o_proj.weight", [d, config.nHeads * config.dHead]),
                ("mlp.gate_proj.weight", [mlp, d]), ("mlp.up_proj.weight", [mlp, d]), ("mlp.down_proj.weight", [d, mlp]),
                ("input_layernorm.weight", [d]), ("post_attention_layernorm.weight", [d]),
            ]
            for (suffix, shape) in shapes { _ = try checkpoint.tensor("\(prefix).\(suffix)", shape: shape) }
        }
        let k = try checkpoint.tensor("model.layers.4.self_attn.k_proj.weight")
        #expect(Array(k.storage[(31 * 64 + 60)..<(32 * 64)]) == [0.5380105376243591, 0.4967898428440094, -0.3751862049102783, -0.2651301622390747])

        var sum = 0.0
        for name in checkpoint.tensorNames {
            let values = try checkpoint.tensor(name).storage
            #expect(values.allSatisfy { $0.isFinite }, "\(name)")
            sum += values.reduce(0.0) { $0 + Double($1) }
        }
        #expect(abs(sum - -14.691442941950697) < 1e-9)
    }

    @Test func rewritingGivesTheSameBytesTheRustLibraryWrote() throws {
        let checkpoint = try Checkpoint(directory: folder)
        var tensors: [String: Tensor] = [:]
        for name in checkpoint.tensorNames { tensors[name] = try checkpoint.tensor(name) }
        let original = try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))
        #expect(try SafeTensorsWriter.serialize(tensors, metadata: checkpoint.metadata) == Array(original))
    }
}
