import Tensors

/// Keys and values of positions 0..<length from one run, for a second run whose tokens
/// agree there (a minimal pair's shared start): the second run computes only the
/// positions after it (`finalResidual(_:hooks:attentionInputs:prefix:)`). Causal
/// attention makes every later value the same as a full run's.
public struct AttentionPrefix: Sendable {
    public let length: Int
    /// Per layer, as attention reads them (after rotary): [B, length, heads of the run's k/v, D].
    public let keys: [Tensor]
    public let values: [Tensor]

    /// The hook points a run must capture to hand its prefix on.
    public static func hookNames(_ model: Transformer) -> [String] {
        (0..<model.dims.layers).flatMap { l in
            ["blocks.\(l).attn.hook_\(model.rotary == nil ? "k" : "rot_k")", "blocks.\(l).attn.hook_v"]
        }
    }

    /// Runs positions 0..<length of `tokens` (unrecorded) for their keys and values. The runs
    /// that use them must read attention inputs as `attentionInputs` (their k/v heads must match).
    public init(_ model: Transformer, tokens: TokenBatch, length: Int, attentionInputs: AttentionInputs) throws {
        let heads = try TokenBatch((0..<tokens.batch).map { Array(tokens.sequence($0).prefix(length)) })
        guard heads.length == length, heads.lengths.allSatisfy({ $0 == length }) else {
            throw ModelError.unsupported("an attention prefix of \(length) positions is longer than a sequence of the batch")
        }
        let hooks = Hooks()
        hooks.capture(Self.hookNames(model))
        _ = try model.finalResidual(heads, hooks: hooks, attentionInputs: attentionInputs)
        try self.init(model, hooks: hooks, length: length)
    }

    /// The first `length` positions of a run that captured `hookNames(model)`. The second
    /// run must read attention inputs the same way (its k/v heads must match).
    public init(_ model: Transformer, hooks: Hooks, length: Int) throws {
        self.length = length
        func prefix(_ name: String) throws -> Tensor { try slice(hooks.value(name).detached(), axis: 1, 0..<length) }
        keys = try (0..<model.dims.layers).map { try prefix("blocks.\($0).attn.hook_\(model.rotary == nil ? "k" : "rot_k")") }
        values = try (0..<model.dims.layers).map { try prefix("blocks.\($0).attn.hook_v") }
    }
}
