// Mean cross-entropy over rows of logits, for training.

import Foundation

/// Mean over rows of −log softmax(logits)[target]. logits: [N, V], targets: [N] (−100 skips a row,
/// as torch's ignore_index) → scalar [].
public func crossEntropy(logits: Tensor, targets: [Int]) throws(TensorError) -> Tensor {
    guard logits.rank == 2, logits.shape[0] == targets.count else {
        throw .shapeMismatch(op: "crossEntropy", lhs: logits.shape, rhs: [targets.count])
    }
    let v = logits.shape[1]
    if let bad = targets.first(where: { $0 != CrossEntropyKernel.ignoreIndex && ($0 < 0 || $0 >= v) }) {
        throw .indexOutOfRange(op: "crossEntropy", index: bad, size: v)
    }
    let (loss, probabilities) = CrossEntropyKernel.forward(logits, targets)
    return try Tape.record(.crossEntropy(probabilities: probabilities, targets: targets), inputs: [logits], output: loss)
}

enum CrossEntropyKernel {
    static let ignoreIndex = -100

    /// Saves softmax(logits) for backward. The log is per row, so it stays scalar (in Float64).
    static func forward(_ logits: Tensor, _ targets: [Int]) -> (Tensor, Tensor) {
        let probabilities = SoftmaxKernel.forward(logits, causal: false, log: false)
        let v = logits.shape[1]
        var total: Double = 0
        var counted = 0
        probabilities.storage.withUnsafeBufferPointer { pp in
            for (row, target) in targets.enumerated() where target != ignoreIndex {
                total -= Foundation.log(Double(pp[row * v + target]))
                counted += 1
            }
        }
        return (.scalar(Float(total / Double(max(counted, 1)))), probabilities)
    }

    /// dlogits = dloss · (p − onehot(target)) / count, zero on ignored rows.
    static func backward(_ dLoss: Tensor, probabilities: Tensor, targets: [Int]) -> Tensor {
        let v = probabilities.shape[1]
        let counted = max(targets.filter { $0 != ignoreIndex }.count, 1)
        let g = dLoss.storage[0] / Float(counted)
        return Tensor.uninitialized(probabilities.shape) { dx in
            probabilities.storage.withUnsafeBufferPointer { pp in
                nonisolated(unsafe) let (p, out) = (pp.baseAddress!, dx.baseAddress!)
                parallelChunks(targets.count, minimumChunk: minimumRows(rowLength: v)) { range in
                    for row in range {
                        let pr = p + row * v, dr = out + row * v, target = targets[row]
                        if target == ignoreIndex {
                            forEachChunk(v) { j in dr.storeVector(FloatVector(), at: j, end: v) }
                            continue
                        }
                        forEachChunk(v) { j in dr.storeVector(g * pr.vector(at: j, end: v), at: j, end: v) }
                        dr[target] -= g
                    }
                }
            }
        }
    }
}
