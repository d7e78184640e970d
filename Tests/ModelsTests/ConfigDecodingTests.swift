import Foundation
import Testing
@testable import Models

/// Decodes `json` as a config (named `config.json` in errors).
func decodeConfig(_ json: String) throws -> ModelConfig {
    try ModelConfig.decode(Data(json.utf8), path: "config.json")
}

@Suite struct ConfigDecodingTests {
    /// openai-community/gpt2 config.json.
    static let gpt2 = """
    {
      "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
      "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
      "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
      "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "summary_activation": null,
      "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
      "summary_use_proj": true, "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
      "vocab_size": 50257
    }
    """

    /// EleutherAI/pythia-70m config.json (transformers 4.24 spelling: rotary_pct, rotary_emb_base).
    static let pythia70m = """
    {
      "architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
      "hidden_size": 512, "initializer_range": 0.02, "intermediate_size": 2048, "layer_norm_eps": 1e-05,
      "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 8,
      "num_hidden_layers": 6, "rotary_emb_base": 10000, "rotary_pct": 0.25, "tie_word_embeddings": false,
      "torch_dtype": "float16", "transformers_version": "4.24.0", "use_cache": true,
      "use_parallel_residual": true, "vocab_size": 50304
    }
    """

    @Test func gpt2() throws {
        let config = try decodeConfig(Self.gpt2)
        guard case let .gpt2(gpt2) = config else { Issue.record("expected gpt2"); return }
        #expect(gpt2.nEmbd == 768 && gpt2.nLayer == 12 && gpt2.nHead == 12 && gpt2.nPositions == 1024)
        #expect(gpt2.nInner == nil && gpt2.dMLP == 3072)
        #expect(gpt2.activationFunction == "gelu_new")
        #expect(gpt2.layerNormEpsilon == 1e-5)
        #expect(gpt2.tieWordEmbeddings && gpt2.scaleAttnWeights)
        #expect(!gpt2.scaleAttnByInverseLayerIdx && !gpt2.reorderAndUpcastAttn)
        #expect(gpt2.bosTokenID == 50256 && gpt2.eosTokenIDs == [50256])
        #expect(config.modelType == "gpt2" && config.architectureClass == "GPT2LMHeadModel")
        #expect(config.nLayers == 12 && config.nHeads == 12 && config.nKVHeads == 12 && config.dHead == 64)
        #expect(config.dModel == 768 && config.dMLP == 3072 && config.vocabSize == 50257)
        #expect(config.normEps == 1e-5 && config.maxPositions == 1024 && config.tiedEmbeddings)
    }

    @Test func gpt2DefaultsWhenKeysAreAbsent() throws {
        let config = try decodeConfig(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100, "n_ctx": 128}"#)
        guard case let .gpt2(gpt2) = config else { Issue.record("expected gpt2"); return }
        #expect(gpt2 == GPT2Config(nEmbd: 64, nLayer: 2, nHead: 4, vocabSize: 100, nPositions: 128))
        #expect(gpt2.dMLP == 256 && gpt2.activationFunction == "gelu_new" && gpt2.layerNormEpsilon == 1e-5)
        #expect(gpt2.tieWordEmbeddings && gpt2.bosTokenID == 50256)

        let explicit = try decodeConfig(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100, "n_inner": 100, "bos_token_id": null, "eos_token_id": [1, 2], "tie_word_embeddings": false, "activation_function": "relu"}"#)
        guard case let .gpt2(other) = explicit else { Issue.record("expected gpt2"); return }
        #expect(other.nPositions == 1024 && other.dMLP == 100 && other.bosTokenID == nil && other.eosTokenIDs == [1, 2])
        #expect(!explicit.tiedEmbeddings && other.activationFunction == "relu")
    }

    @Test func pythiaWithTheOldRotarySpelling() throws {
        let config = try decodeConfig(Self.pythia70m)
        guard case let .gptNeoX(neox) = config else { Issue.record("expected gpt_neox"); return }
        #expect(neox.rotaryPct == 0.25 && neox.rotaryEmbBase == 10_000 && neox.rotaryDim == 16)
        #expect(neox.ropeParameters == RopeParameters(ropeType: "default", ropeTheta: 10_000, partialRotaryFactor: 0.25))
        #expect(neox.useParallelResidual && neox.attentionBias && !neox.tieWordEmbeddings)
        #expect(neox.hiddenAct == "gelu" && neox.layerNormEps == 1e-5)
        #expect(neox.bosTokenID == 0 && neox.eosTokenIDs == [0])
        #expect(config.nLayers == 6 && config.nHeads == 8 && config.nKVHeads == 8 && config.dHead == 64)
        #expect(config.dModel == 512 && config.dMLP == 2048 && config.vocabSize == 50304 && config.maxPositions == 2048)
        #expect(config.architectureClass == "GPTNeoXForCausalLM" && !config.tiedEmbeddings)
    }

    @Test func neoxWithTheTransformers5Spelling() throws {
        // What GPTNeoXConfig(rotary_pct=0.5).to_json_string() writes in transformers 5.23.
        let config = try decodeConfig("""
        {"attention_bias": true, "hidden_act": "gelu", "hidden_size": 64, "intermediate_size": 256,
         "layer_norm_eps": 1e-05, "max_position_embeddings": 2048, "model_type": "gpt_neox",
         "num_attention_heads": 4, "num_hidden_layers": 2,
         "rope_parameters": {"partial_rotary_factor": 0.5, "rope_theta": 10000.0, "rope_type": "default"},
         "tie_word_embeddings": false, "use_parallel_residual": true, "vocab_size": 100}
        """)
        guard case let .gptNeoX(neox) = config else { Issue.record("expected gpt_neox"); return }
        #expect(neox.rotaryPct == 0.5 && neox.rotaryEmbBase == 10_000 && neox.rotaryDim == 8)
    }

    @Test func neoxWithEveryTransformers4SpellingAgreeing() throws {
        // transformers 4.4x wrote rotary_pct and rotary_emb_base with partial_rotary_factor and rope_theta mirrors.
        let config = try decodeConfig("""
        {"model_type": "gpt_neox", "hidden_size": 64, "intermediate_size": 256, "num_attention_heads": 4,
         "num_hidden_layers": 2, "vocab_size": 100, "rotary_pct": 0.5, "partial_rotary_factor": 0.5,
         "rotary_emb_base": 20000, "rope_theta": 20000, "rope_scaling": null, "use_parallel_residual": false,
         "attention_bias": false}
        """)
        guard case let .gptNeoX(neox) = config else { Issue.record("expected gpt_neox"); return }
        #expect(neox.rotaryPct == 0.5 && neox.rotaryEmbBase == 20_000)
        #expect(!neox.useParallelResidual && !neox.attentionBias)
    }

    @Test func neoxDefaultsWhenNoRotaryKeyIsGiven() throws {
        let config = try decodeConfig(#"{"model_type": "gpt_neox", "hidden_size": 128, "intermediate_size": 512, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100}"#)
        guard case let .gptNeoX(neox) = config else { Issue.record("expected gpt_neox"); return }
        #expect(neox == GPTNeoXConfig(hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 512, vocabSize: 100))
        #expect(neox.rotaryPct == 0.25 && neox.rotaryEmbBase == 10_000 && neox.rotaryDim == 8)
        #expect(neox.maxPositionEmbeddings == 2048 && neox.bosTokenID == 0 && neox.eosTokenIDs == [2])
    }

    @Test func llamaWithBothRopeSpellings() throws {
        let config = try decodeConfig("""
        {"model_type": "llama", "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5,
         "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 8, "vocab_size": 512,
         "rms_norm_eps": 1e-05, "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
         "rope_theta": 10000.0, "tie_word_embeddings": true, "max_position_embeddings": 512,
         "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": null, "hidden_act": "silu"}
        """)
        guard case let .llama(llama) = config else { Issue.record("expected llama"); return }
        #expect(llama.numKeyValueHeads == 4 && llama.headDim == 8 && llama.ropeTheta == 10_000)
        #expect(llama.ropeParameters == RopeParameters())
        #expect(config.nKVHeads == 4 && config.dHead == 8 && config.normEps == 1e-5 && config.tiedEmbeddings)
    }

    @Test func llamaDefaultsAndTheOldTopLevelTheta() throws {
        let config = try decodeConfig(#"{"model_type": "llama", "hidden_size": 128, "intermediate_size": 344, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 1000, "rope_theta": 500000.0, "rope_scaling": null}"#)
        guard case let .llama(llama) = config else { Issue.record("expected llama"); return }
        #expect(llama.numKeyValueHeads == 4 && llama.headDim == 32 && llama.rmsNormEps == 1e-6)
        #expect(llama.ropeTheta == 500_000 && llama.ropeParameters.ropeType == "default")
        #expect(!llama.tieWordEmbeddings && !llama.attentionBias && !llama.mlpBias && llama.hiddenAct == "silu")
        #expect(llama.maxPositionEmbeddings == 2048 && llama.bosTokenID == 1 && llama.eosTokenIDs == [2])

        let plain = try decodeConfig(#"{"model_type": "llama", "hidden_size": 128, "intermediate_size": 344, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 1000, "rope_scaling": {"type": "default"}, "attention_bias": true, "mlp_bias": true}"#)
        guard case let .llama(other) = plain else { Issue.record("expected llama"); return }
        #expect(other.ropeTheta == 10_000 && other.attentionBias && other.mlpBias)
        #expect(other == LlamaConfig(hiddenSize: 128, intermediateSize: 344, numHiddenLayers: 2, numAttentionHeads: 4,
                                     vocabSize: 1000, attentionBias: true, mlpBias: true))
    }

    @Test func loadReadsAFolderOrAFile() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = try folder.write(Self.pythia70m, to: "config.json")
        #expect(try ModelConfig.load(directory: folder.url) == (try decodeConfig(Self.pythia70m)))
        #expect(try ModelConfig.load(contentsOf: url).nLayers == 6)
        try SafeTensorsWriter.write([:], to: folder.file("model.safetensors"))
        #expect(try Checkpoint(directory: folder.url).loadConfig().modelType == "gpt_neox")
    }
}
