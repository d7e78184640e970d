import Tensors

extension Transformer {
    /// Greedy decoding: appends the most likely next token `maxTokens` times, or until
    /// `stopAt` is produced. Returns only the new tokens. Each step reruns the whole
    /// prefix (no key/value cache): generation here is for checks, not serving.
    public func generateGreedy(from prompt: [Int], maxTokens: Int, stopAt: Int? = nil) throws -> [Int] {
        var tokens = prompt
        var generated: [Int] = []
        while generated.count < maxTokens {
            if positionEmbedding != nil, tokens.count >= dims.maxPositions { break }
            let batch = try TokenBatch([tokens])
            // Only the last position's logits are needed.
            let last = try slice(finalResidual(batch), axis: 1, (tokens.count - 1)..<tokens.count)
            let logits = try unembed(last)
            let next = logits.storage.indices.max { logits.storage[$0] < logits.storage[$1] }!
            generated.append(next)
            tokens.append(next)
            if next == stopAt { break }
        }
        return generated
    }
}
