import Foundation
import Testing
@testable import Models
import Tensors

/// GPT-2, GPT-NeoX (parallel and sequential residual, partial rotary) and Llama
/// (grouped-query, tied) against transformers: fixtures/models/*, made by
/// tools/make_model_fixtures.py with transformers 5.23 in float32.
@Suite("Models vs transformers")
struct ModelFixtureTests {
    static let models: [String] = ["gpt2", "neox-parallel", "neox-sequential", "llama-gqa", "llama-tied"]

    struct Reference: Decodable {
        struct Prompt: Decodable { let text: String; let token_ids: [Int]; let logits: [[Float]] }
        struct Batch: Decodable { let input_ids: [[Int]]; let lengths: [Int]; let logits: [[[Float]]] }
        struct Hidden: Decodable { let prompt: Int; let layers: [[[Float]]] }
        let prompts: [Prompt]
        let batch: Batch
        let hidden_states: Hidden
        let final_resid: [[Float]]
    }

    static func folder(_ name: String) -> URL { fixture("models/\(name)") }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder(name).appendingPathComponent("reference.json")))
    }

    /// Max |a − b| over matching rows, and the range (max − min) of the reference.
    static func compare(_ actual: ArraySlice<Float>, _ expected: [Float]) -> (difference: Float, range: Float) {
        var worst: Float = 0
        for (a, e) in zip(actual, expected) { worst = max(worst, abs(a - e)) }
        return (worst, expected.max()! - expected.min()!)
    }

    @Test(arguments: models)
    func logitsMatchTransformers(name: String) throws {
        let model = try LoadedModel(directory: Self.folder(name))
        let reference = try Self.reference(name)
        let vocab = model.transformer.dims.vocab
        for prompt in reference.prompts {
            #expect(model.tokenizer.encode(prompt.text) == prompt.token_ids, "\(name): tokens of \(prompt.text.debugDescription)")
            let logits = try model.transformer.logits(TokenBatch([prompt.token_ids]))
            for (position, row) in prompt.logits.enumerated() {
                let (difference, range) = Self.compare(logits.storage[(position * vocab)..<((position + 1) * vocab)], row)
                #expect(difference <= 1e-4 * range, "\(name) \(prompt.text.debugDescription) position \(position): max |diff| \(difference), range \(range)")
            }
        }
    }

    /// Prompts of different lengths in one right-padded batch give each prompt its own logits.
    @Test(arguments: models)
    func paddedBatchMatchesTransformers(name: String) throws {
        let model = try LoadedModel(directory: Self.folder(name))
        let reference = try Self.reference(name).batch
        let sequences = zip(reference.input_ids, reference.lengths).map { Array($0.prefix($1)) }
        let batch = try TokenBatch(sequences)
        let logits = try model.transformer.logits(batch)
        let vocab = model.transformer.dims.vocab
        for (b, rows) in reference.logits.enumerated() {
            for (position, row) in rows.enumerated() {
                let start = (b * batch.length + position) * vocab
                let (difference, range) = Self.compare(logits.storage[start..<(start + vocab)], row)
                #expect(difference <= 1e-4 * range, "\(name) batch row \(b) position \(position): max |diff| \(difference)")
            }
        }
    }

    /// The residual stream after each block (read at hook points) matches transformers' hidden states.
    @Test(arguments: models)
    func residualStreamMatchesHiddenStates(name: String) throws {
        let model = try LoadedModel(directory: Self.folder(name))
        let reference = try Self.reference(name)
        let layers = model.transformer.dims.layers
        let hooks = Hooks()
        hooks.capture((0..<layers).map { "blocks.\($0).hook_resid_pre" } + ["blocks.\(layers - 1).hook_resid_post"])
        _ = try model.transformer.logits(TokenBatch([reference.prompts[reference.hidden_states.prompt].token_ids]), hooks: hooks)
        // transformers' hidden_states[l] is the input of block l; its last entry is after the final norm.
        var expected = Array(reference.hidden_states.layers.prefix(layers).enumerated().map { ("blocks.\($0.offset).hook_resid_pre", $0.element) })
        expected.append(("blocks.\(layers - 1).hook_resid_post", reference.final_resid))
        for (hook, rows) in expected {
            let flat = rows.flatMap { $0 }
            let (difference, range) = Self.compare(try hooks.value(hook).storage[...], flat)
            #expect(difference <= 1e-4 * max(range, 1), "\(name) \(hook): max |diff| \(difference)")
        }
    }

    /// Configs written by transformers 4.x (rotary_pct, rotary_emb_base, top-level rope_theta) load to the same model.
    @Test(arguments: ["neox-parallel", "neox-sequential", "llama-gqa", "llama-tied"])
    func legacyConfigSpellings(name: String) throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-legacy-\(name)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.folder(name), to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let legacy = fixture("models/legacy-configs/\(name).json")
        try FileManager.default.removeItem(at: temporary.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: legacy, to: temporary.appendingPathComponent("config.json"))
        let modern = try LoadedModel(directory: Self.folder(name)).transformer
        let old = try LoadedModel(directory: temporary).transformer
        #expect(old.rotary == modern.rotary)
        let ids = try Self.reference(name).prompts[0].token_ids
        #expect(try old.logits(TokenBatch([ids])).storage == modern.logits(TokenBatch([ids])).storage)
    }

    @Test func hookPointsFollowTransformerLens() throws {
        let model = try LoadedModel(directory: Self.folder("neox-sequential"))
        let hooks = Hooks()
        _ = try model.transformer.logits(TokenBatch([[1, 2, 3]]), hooks: hooks)
        let expected = ["hook_embed", "blocks.0.hook_resid_pre", "blocks.0.attn.hook_q", "blocks.0.attn.hook_k",
                        "blocks.0.attn.hook_v", "blocks.0.attn.hook_rot_q", "blocks.0.attn.hook_pattern", "blocks.0.attn.hook_z",
                        "blocks.0.hook_attn_out", "blocks.0.hook_resid_mid", "blocks.0.hook_mlp_in", "blocks.0.mlp.hook_post",
                        "blocks.0.hook_mlp_out", "blocks.1.hook_resid_post", "ln_final.hook_normalized"]
        for name in expected { #expect(hooks.visited.contains(name), "missing hook point \(name)") }
        let parallel = Hooks()
        _ = try LoadedModel(directory: Self.folder("neox-parallel")).transformer.logits(TokenBatch([[1, 2, 3]]), hooks: parallel)
        #expect(!parallel.visited.contains("blocks.0.hook_resid_mid"), "parallel residual has no resid_mid")
    }

    /// Reading per-head results (hook_result) sums back to the same attention output.
    @Test(arguments: ["gpt2", "llama-gqa"])
    func perHeadResultsSumToAttentionOutput(name: String) throws {
        let model = try LoadedModel(directory: Self.folder(name)).transformer
        let ids = try Self.reference(name).prompts[0].token_ids
        let plain = try model.logits(TokenBatch([ids]))
        let hooks = Hooks()
        hooks.capture(["blocks.1.attn.hook_result"])
        let split = try model.logits(TokenBatch([ids]), hooks: hooks)
        #expect(try hooks.value("blocks.1.attn.hook_result").shape == [1, ids.count, model.dims.heads, model.dims.dModel])
        let (difference, _) = Self.compare(split.storage[...], plain.storage)
        #expect(difference < 1e-4)
    }

    /// Splitting each head's q/k/v input into its own copy changes no value.
    @Test(arguments: models)
    func splitQKVInputsKeepLogits(name: String) throws {
        let model = try LoadedModel(directory: Self.folder(name)).transformer
        let batch = try TokenBatch(Self.reference(name).prompts.map(\.token_ids))
        let (difference, _) = Self.compare(try model.logits(batch, splitQKVInputs: true).storage[...], try model.logits(batch).storage)
        #expect(difference < 1e-5, "\(name): max |diff| \(difference)")
    }

    /// Each head's copy has its own gradient, and the copies' gradients sum to the
    /// gradient reaching the shared residual stream through attention.
    @Test func splitInputGradientsArePerHead() throws {
        let model = try LoadedModel(directory: Self.folder("llama-gqa")).transformer
        let batch = try TokenBatch([[5, 9, 13, 2, 7]])
        func run(split: Bool) throws -> (Hooks, Gradients) {
            let tape = Tape()
            let hooks = Hooks(tape: tape)
            hooks.capture(where: { _ in true })
            let logits = try model.logits(batch, hooks: hooks, splitQKVInputs: split)
            return (hooks, try tape.backward(from: sumAll(slice(logits, axis: 2, 3..<4))))
        }
        let (splitHooks, splitGrads) = try run(split: true)
        let (plainHooks, plainGrads) = try run(split: false)
        let perHead = try ["q", "k", "v"].map { try splitGrads[splitHooks.value("blocks.1.hook_\($0)_input")] }
        #expect(perHead[0].shape == [1, 5, 4, 32])
        var total = try sum(perHead[0], axis: 2)
        for g in perHead.dropFirst() { total = try total + sum(g, axis: 2) }
        let shared = try plainGrads[plainHooks.value("blocks.1.hook_attn_in")]
        let (difference, _) = Self.compare(total.storage[...], shared.storage)
        #expect(difference < 1e-5, "max |diff| \(difference)")
        // Heads differ: the gradient is not just copied.
        #expect(try slice(perHead[1], axis: 2, 0..<1).storage != slice(perHead[1], axis: 2, 1..<2).storage)
    }

    /// Zeroing one head's z changes the output: interventions reach the model.
    @Test func interventionChangesLogits() throws {
        let model = try LoadedModel(directory: Self.folder("llama-gqa")).transformer
        let batch = try TokenBatch([[5, 9, 13, 2]])
        let hooks = Hooks()
        hooks.intervene("blocks.0.attn.hook_z") { z in try z * Tensor.zeros(z.shape) }
        #expect(try model.logits(batch, hooks: hooks).storage != model.logits(batch).storage)
    }

    @Test func parameterCountsMatchCheckpoints() throws {
        for name in Self.models {
            let checkpoint = try Checkpoint(directory: Self.folder(name))
            let model = try LoadedModel(directory: Self.folder(name)).transformer
            #expect(try model.parameterCount == checkpoint.parameterCount, "\(name)")
        }
    }
}
