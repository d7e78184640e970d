import Foundation
import Testing
@testable import Models
import Tensors

/// What EAP's fast path relies on: per-head input gradients rebuilt from an ordinary run
/// ("virtual split") equal the split run's, and a run that reuses another's attention
/// prefix computes the same later positions.
@Suite("Virtual split and attention prefix")
struct VirtualSplitTests {
    static func model(_ name: String) throws -> Transformer { try LoadedModel(directory: fixture("models/\(name)")).transformer }

    /// Gradients at every hook of a run that differentiates logit 3 at every position.
    static func run(_ model: Transformer, _ batch: TokenBatch, _ inputs: AttentionInputs) throws -> (Hooks, Gradients) {
        let tape = Tape()
        let hooks = Hooks(tape: tape)
        hooks.capture(where: { _ in true })
        let logits = try model.unembed(model.finalResidual(batch, hooks: hooks, attentionInputs: inputs))
        return (hooks, try tape.backward(from: sumAll(slice(logits, axis: 2, 3..<4))))
    }

    @Test(arguments: ["gpt2", "llama-gqa"])
    func perHeadInputGradientsMatchTheSplitRun(name: String) throws {
        let model = try Self.model(name)
        let batch = try TokenBatch([[5, 9, 13, 2, 7], [3, 1, 4]])
        let (splitHooks, splitGrads) = try Self.run(model, batch, .split)
        let (hooks, grads) = try Self.run(model, batch, .sharedPerQueryHead)
        let (h, kv, l) = (model.dims.heads, model.dims.kvHeads, 1)
        let attention = model.blocks[l].attention, norm = model.blocks[l].attentionNorm
        let input = try hooks.value("blocks.\(l).hook_resid_pre").reshape([-1, model.dims.dModel])
        for (role, weight, groups) in [("q", attention.query, h), ("k", attention.key, kv), ("v", attention.value, kv)] {
            let dOutput = try grads[hooks.value("blocks.\(l).attn.hook_\(role)")].reshape([input.shape[0], -1])
            var rebuilt = Tensor.zeros([h, input.count])                                                   // [H, B·T·d]
            try rebuilt.assignPerHeadProducts(dOutput, heads: h, weight: weight, blocks: .rows(groups: groups), atRow: 0)
            try rebuilt.applyNormInputGradients(rows: 0..<h, input: input, weight: norm.weight, eps: norm.eps,
                                                centered: norm.kind == .layerNorm)
            let expected = try permute(splitGrads[splitHooks.value("blocks.\(l).hook_\(role)_input")], [2, 0, 1, 3])
            let worst = zip(rebuilt.storage, expected.storage).map { abs($0 - $1) }.max()!
            let scale = expected.storage.map(abs).max()!
            #expect(rebuilt.count == expected.count && worst <= 1e-5 * scale, "\(name) \(role): \(worst) of \(scale)")
        }
    }

    @Test(arguments: ["gpt2", "neox-parallel", "llama-gqa"])
    func prefixRunMatchesTheFullRun(name: String) throws {
        let model = try Self.model(name)
        let clean = try TokenBatch([[5, 9, 13, 2, 7], [3, 1, 4, 8, 8]])
        let changed = try TokenBatch([[5, 9, 11, 2, 7], [3, 1, 4, 6, 8]])
        let hooks = Hooks()
        hooks.capture(AttentionPrefix.hookNames(model))
        _ = try model.finalResidual(clean, hooks: hooks, attentionInputs: .shared)
        let prefix = try AttentionPrefix(model, hooks: hooks, length: 2)
        let suffix = try model.finalResidual(changed, attentionInputs: .shared, prefix: prefix)     // [2, 3, d]
        let full = try slice(model.finalResidual(changed), axis: 1, 2..<5)
        #expect(suffix.shape == full.shape)
        let worst = zip(suffix.storage, full.storage).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "\(name): max |diff| \(worst)")
    }
}
