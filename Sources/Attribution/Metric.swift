import Foundation
import Models
import Tensors

/// What a behaviour is measured by, per pair, at the prompt's last real token.
public enum Metric: String, Sendable, CaseIterable {
    /// logit[answer] − logit[foil].
    case logitDiff = "logit-diff"
    /// p[answer] − p[foil].
    case probDiff = "prob-diff"
    /// KL(p_clean ‖ p) over the whole vocabulary. Zero with zero gradient on the clean
    /// run itself, so first-order methods (atp, eap) give all-zero scores for it; exact
    /// patching and eap-ig measure it properly.
    case kl

    /// Per-pair values [B] from the final normalised residual [B, T, d_model].
    /// `cleanLogProbs` [B, vocab] is the clean run's distribution at the last tokens
    /// (needed by `kl`; nil on the clean run itself, which then uses its own).
    public func perPair(_ model: Transformer, normalized: Tensor, lastRows: [Int], answers: [Int], foils: [Int],
                 cleanLogProbs: Tensor?) throws -> Tensor {
        let d = model.dims.dModel
        let rows = try gatherRows(normalized.reshape([-1, d]), lastRows)                      // [B, d_model]
        switch self {
        case .logitDiff:
            // Two unembedding rows per pair, not the whole vocabulary.
            let unembedding = model.unembeddingMatrix
            let direction = try gatherRows(unembedding, answers) - gatherRows(unembedding, foils)  // [B, d_model]
            return try sum(rows * direction, axis: 1)
        case .probDiff:
            let probabilities = try softmax(model.unembed(rows))                                  // [B, vocab]
            return try sum(probabilities * Self.signedOneHot(answers, foils, vocab: model.dims.vocab), axis: 1)
        case .kl:
            let logProbs = try logSoftmax(model.unembed(rows))
            let reference = cleanLogProbs ?? logProbs.detached()
            let p = try Tensor(shape: reference.shape, storage: reference.storage.map { exp($0) })
            return try sum(p * (reference - logProbs), axis: 1)
        }
    }

    /// The clean distribution `kl` compares against: log-softmax at the last tokens, detached.
    public func cleanLogProbs(_ model: Transformer, normalized: Tensor, lastRows: [Int]) throws -> Tensor? {
        guard self == .kl else { return nil }
        let rows = try gatherRows(normalized.reshape([-1, model.dims.dModel]), lastRows)
        return try logSoftmax(model.unembed(rows)).detached()
    }

    /// +1 at each row's answer, −1 at its foil: [B, vocab].
    static func signedOneHot(_ answers: [Int], _ foils: [Int], vocab: Int) throws -> Tensor {
        var values = [Float](repeating: 0, count: answers.count * vocab)
        for (row, (a, f)) in zip(answers, foils).enumerated() {
            values[row * vocab + a] += 1
            values[row * vocab + f] -= 1
        }
        return try Tensor(shape: [answers.count, vocab], storage: values)
    }
}
