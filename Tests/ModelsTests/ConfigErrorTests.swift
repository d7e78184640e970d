import Foundation
import Testing
@testable import Models

/// Bad config.json files: each must fail naming the file and the key.
@Suite struct ConfigErrorTests {
    static let llamaBase = #""model_type": "llama", "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2, "vocab_size": 512"#
    static let neoxBase = #""model_type": "gpt_neox", "intermediate_size": 256, "num_hidden_layers": 2, "vocab_size": 100"#

    @discardableResult
    func expectConfigError(_ json: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) -> CheckpointError? {
        expectCheckpointError(path: "config.json", mentions: mentions, sourceLocation: sourceLocation) { _ = try decodeConfig(json) }
    }

    @Test func unknownModelTypeListsTheSupportedOnes() {
        let error = expectConfigError(#"{"model_type": "mistral", "hidden_size": 64}"#,
                                      mentions: ["model_type 'mistral' is not supported", "'gpt2'", "'gpt_neox'", "'llama'"])
        #expect(error?.kind == .unknownModelType("mistral", supported: ["gpt2", "gpt_neox", "llama"]))
        expectConfigError(#"{"n_embd": 64}"#, mentions: ["model_type is missing", "'gpt2'"])
    }

    @Test func missingKey() {
        let error = expectConfigError(#"{"model_type": "gpt2", "n_layer": 2, "n_head": 4, "vocab_size": 10}"#, mentions: ["key 'n_embd' is missing"])
        #expect(error?.description == "config.json: key 'n_embd' is missing")
        #expect(error?.kind == .missingKey("n_embd"))
        expectConfigError("{\(Self.llamaBase)}", mentions: ["key 'num_attention_heads' is missing"])
    }

    @Test func wrongTypes() {
        let error = expectConfigError(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": "4", "vocab_size": 10}"#,
                                      mentions: ["key 'n_head' has the wrong type (expected an integer)"])
        #expect(error?.kind == .wrongType(key: "n_head", expected: "an integer"))
        expectConfigError(#"{"model_type": "gpt2", "n_embd": 64.5, "n_layer": 2, "n_head": 4, "vocab_size": 10}"#,
                          mentions: ["key 'n_embd'", "an integer, got 64.5"])
        expectConfigError(#"{"model_type": "gpt2", "n_embd": null, "n_layer": 2, "n_head": 4, "vocab_size": 10}"#,
                          mentions: ["key 'n_embd'", "not null"])
        expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \"rope_parameters\": {\"rope_theta\": \"big\"}}",
                          mentions: ["key 'rope_parameters.rope_theta' has the wrong type (expected a number)"])
        expectConfigError(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 10, "tie_word_embeddings": "yes"}"#,
                          mentions: ["key 'tie_word_embeddings'", "true or false"])
    }

    @Test func invalidJSON() {
        expectConfigError(#"{"model_type": "gpt2",, }"#, mentions: ["not valid JSON", "character"])
        expectConfigError("", mentions: ["not valid JSON"])
        expectConfigError("[1]", mentions: ["top level must be an object"])
    }

    @Test func groupedQueryHeadsMustDivide() {
        let error = expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \"num_key_value_heads\": 3}",
                                      mentions: ["num_attention_heads (8) is not divisible by num_key_value_heads (3)"])
        #expect(error?.kind == .invalidConfig("num_attention_heads (8) is not divisible by num_key_value_heads (3)"))
    }

    @Test func sizesMustDivideAndBePositive() {
        expectConfigError(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 5, "vocab_size": 10}"#,
                          mentions: ["n_embd (64) is not divisible by n_head (5)"])
        expectConfigError(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 0, "n_head": 4, "vocab_size": 10}"#,
                          mentions: ["n_layer must be positive, got 0"])
        expectConfigError(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 10, "layer_norm_epsilon": -1}"#,
                          mentions: ["layer_norm_epsilon must be a positive number"])
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 6}",
                          mentions: ["hidden_size (64) is not divisible by num_attention_heads (6)"])
        expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 6}",
                          mentions: ["hidden_size (64) is not divisible by num_attention_heads (6) and head_dim is not given"])
        expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \"head_dim\": 7}", mentions: ["head_dim (7) must be even"])
    }

    @Test func headDimGivenNeedNotDivideHiddenSize() throws {
        let config = try decodeConfig("{\(Self.llamaBase), \"num_attention_heads\": 6, \"head_dim\": 16}")
        #expect(config.dHead == 16 && config.nHeads == 6 && config.dModel == 64)
    }

    @Test func rotaryFractionMustGiveAnEvenPositiveDimension() {
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 48, \"num_attention_heads\": 4, \"rotary_pct\": 0.25}",
                          mentions: ["rotary dimension int(12 × 0.25) = 3 must be even"])
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"rotary_pct\": 0}",
                          mentions: ["must be in (0, 1], got 0.0"])
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"rotary_pct\": 1.5}",
                          mentions: ["must be in (0, 1], got 1.5"])
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"rotary_emb_base\": 0}",
                          mentions: ["rotary base", "must be a positive number"])
    }

    @Test func disagreeingSpellingsOfOneSettingAreRejected() {
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"rotary_pct\": 0.5, \"rope_parameters\": {\"partial_rotary_factor\": 0.25}}",
                          mentions: ["rotary_pct (0.5) disagrees with rope_parameters.partial_rotary_factor (0.25), which transformers uses"])
        // transformers 5 ignores a lone top-level partial_rotary_factor for gpt_neox and uses 0.25.
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"partial_rotary_factor\": 0.5}",
                          mentions: ["partial_rotary_factor (0.5) is not read by transformers 5, which uses the default rotary_pct (0.25)",
                                     "rope_parameters.partial_rotary_factor or rotary_pct"])
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"rotary_emb_base\": 10000, \"rope_theta\": 20000}",
                          mentions: ["rope_theta (20000.0) disagrees with rotary_emb_base (10000.0)"])
        expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \"rope_theta\": 500000, \"rope_parameters\": {\"rope_theta\": 10000}}",
                          mentions: ["rope_theta (500000.0) disagrees with rope_parameters.rope_theta (10000.0)"])
    }

    @Test func scaledRopeDecodesButIsNotSupportedYet() {
        let llama3 = #""rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "rope_theta": 500000.0"#
        let error = expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \(llama3)}",
                                      mentions: ["rope_type 'llama3' (factor 8.0)", "not supported yet", "rope_type 'default'"])
        #expect(error?.kind == .unsupported("Llama RoPE scaling rope_type 'llama3' (factor 8.0)", supported: "rope_type 'default'"))
        for type in ["linear", "dynamic", "yarn"] {
            expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \"rope_parameters\": {\"rope_type\": \"\(type)\", \"factor\": 2.0, \"rope_theta\": 10000.0}}",
                              mentions: ["rope_type '\(type)'", "not supported yet"])
        }
        // transformers 4 spelled it "type".
        expectConfigError("{\(Self.neoxBase), \"hidden_size\": 64, \"num_attention_heads\": 4, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}",
                          mentions: ["GPT-NeoX RoPE scaling rope_type 'linear' (factor 2.0) is not supported yet"])
    }

    @Test func llamaActivationOtherThanSiluIsNotSupported() {
        expectConfigError("{\(Self.llamaBase), \"num_attention_heads\": 8, \"hidden_act\": \"gelu\"}",
                          mentions: ["hidden_act 'gelu' is not supported yet (supported: 'silu')"])
    }

    @Test func unknownActivationNames() {
        expectConfigError(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 10, "activation_function": "gelu_neww"}"#,
                          mentions: ["activation_function 'gelu_neww' is not an activation transformers knows"])
    }

    @Test func missingFileNamesThePath() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        expectCheckpointError(path: folder.file("config.json").path, mentions: ["cannot read"]) { _ = try ModelConfig.load(directory: folder.url) }
    }
}
