import Foundation
import Models
import Tensors

/// The training objective and the held-out measurement, forward and backward side by side.
enum Objective {
    /// Right-padded sequences `prompt + answer` and their next-token targets (−100 where no loss is taken):
    /// the answer token only (`.answer`), or every next token (`.all`).
    static func batch(_ examples: [RoleLanguage.Example], lossOn: TrainingSettings.LossOn, padId: Int)
        throws -> (batch: TokenBatch, targets: [Int], tokens: Int) {
        let sequences = examples.map { $0.promptIds + [$0.answerId] }
        let batch = try TokenBatch(sequences, padId: padId)
        var targets = [Int](repeating: -100, count: batch.batch * batch.length)
        for (b, sequence) in sequences.enumerated() {
            let first = lossOn == .answer ? sequence.count - 2 : 0
            for t in first..<(sequence.count - 1) { targets[b * batch.length + t] = sequence[t + 1] }
        }
        return (batch, targets, sequences.reduce(0) { $0 + $1.count })
    }

    /// Forward: mean cross-entropy of the targets. Backward: its gradient for every parameter, in
    /// checkpoint names and layouts (the model is built from the watched checkpoint tensors, so
    /// the tape carries gradients back through GPT-2's Conv1D transposes and fused-QKV slices).
    static func lossAndGradients(
        parameters: [String: Tensor], config: ModelConfig, batch: TokenBatch, targets: [Int]
    ) throws -> (loss: Double, gradients: [String: Tensor]) {
        let tape = Tape()
        var watched: [String: Tensor] = [:]
        for name in parameters.keys.sorted() { watched[name] = tape.watch(parameters[name]!) }
        let model = try Transformer(config: config, weights: InMemoryTensors(watched), path: "<training>")
        let logits = try model.logits(batch)
        let loss = try crossEntropy(logits: logits.reshape([batch.batch * batch.length, model.dims.vocab]), targets: targets)
        let gradients = try tape.backward(from: loss)
        var byName: [String: Tensor] = [:]
        for (name, tensor) in watched { byName[name] = try gradients[tensor] }
        return (Double(try loss.item), byName)
    }

    struct Measurement {
        var loss: Double
        var roleAccuracy: Double
        var answerAccuracy: Double
    }

    /// Held-out answer loss, answer-vs-foil accuracy and top-1 accuracy, at each prompt's last token.
    static func measure(parameters: [String: Tensor], config: ModelConfig, examples: [RoleLanguage.Example], padId: Int)
        throws -> Measurement {
        let model = try Transformer(config: config, weights: InMemoryTensors(parameters), path: "<training>")
        var (loss, roleCorrect, answerCorrect) = (0.0, 0, 0)
        let chunk = 256
        for start in stride(from: 0, to: examples.count, by: chunk) {
            let part = Array(examples[start..<min(start + chunk, examples.count)])
            let batch = try TokenBatch(part.map(\.promptIds), padId: padId)
            let logits = try model.logits(batch).storage
            let v = model.dims.vocab
            for (i, row) in batch.lastRows.enumerated() {
                let values = logits[(row * v)..<((row + 1) * v)]
                let top = values.max()!
                let logSum = Double(top) + log(values.reduce(0.0) { $0 + exp(Double($1 - top)) })
                let (answer, foil) = (values[values.startIndex + part[i].answerId], values[values.startIndex + part[i].foilId])
                loss += logSum - Double(answer)
                if answer > foil { roleCorrect += 1 }
                if values.firstIndex(of: top)! - values.startIndex == part[i].answerId { answerCorrect += 1 }
            }
        }
        let n = Double(examples.count)
        return Measurement(loss: loss / n, roleAccuracy: Double(roleCorrect) / n, answerAccuracy: Double(answerCorrect) / n)
    }
}
