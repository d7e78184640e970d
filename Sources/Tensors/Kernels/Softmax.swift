// Softmax and log-softmax over the last axis, optionally with a causal mask.

import Foundation

/// Softmax over the last axis. x: [..., T, S] → same shape.
/// With `causal`, query row i (of the last T rows) sees keys j ≤ i + (S − T); masked entries are 0.
public func softmax(_ x: Tensor, causal: Bool = false) throws(TensorError) -> Tensor {
    guard x.rank >= (causal ? 2 : 1) else { throw .invalidShape(op: "softmax", shape: x.shape) }
    let y = SoftmaxKernel.forward(x, causal: causal, log: false)
    return try Tape.record(.softmax(y: y.detached()), inputs: [x], output: y)
}

/// Log-softmax over the last axis. x: [..., V] → same shape.
public func logSoftmax(_ x: Tensor) throws(TensorError) -> Tensor {
    guard x.rank >= 1 else { throw .invalidShape(op: "logSoftmax", shape: x.shape) }
    let y = SoftmaxKernel.forward(x, causal: false, log: true)
    return try Tape.record(.logSoftmax(y: y.detached()), inputs: [x], output: y)
}

enum SoftmaxKernel {
    static func forward(_ x: Tensor, causal: Bool, log takeLog: Bool) -> Tensor {
        let s = x.shape.last!, rows = x.count / max(s, 1)
        let t = causal ? x.shape[x.rank - 2] : 1
        return Tensor.uninitialized(x.shape) { py in
            x.storage.withUnsafeBufferPointer { px in
                for r in 0..<rows {
                    let row = px.baseAddress! + r * s, out = py.baseAddress! + r * s
                    // Keys visible to this query: all, or up to its own position.
                    let visible = causal ? min(s, r % t + (s - t) + 1) : s
                    var peak = -Float.infinity
                    for j in 0..<visible { peak = max(peak, row[j]) }
                    var total: Float = 0
                    for j in 0..<visible {
                        let e = exp(row[j] - peak)
                        out[j] = e
                        total += e
                    }
                    if takeLog {
                        let lse = peak + log(total)
                        for j in 0..<visible { out[j] = row[j] - lse }
                    } else {
                        let inv = 1 / total
                        for j in 0..<visible { out[j] *= inv }
                    }
                    for j in visible..<s { out[j] = takeLog ? -.infinity : 0 }
                }
            }
        }
    }

    /// Softmax: dx = y ⊙ (dy − Σ_j y·dy). Masked entries have y = 0 and so get 0.
    static func backward(_ dy: Tensor, y: Tensor) -> Tensor {
        let s = y.shape.last!, rows = y.count / max(s, 1)
        return Tensor.uninitialized(y.shape) { dx in
            y.storage.withUnsafeBufferPointer { py in
                dy.storage.withUnsafeBufferPointer { pdy in
                    for r in 0..<rows {
                        let yr = py.baseAddress! + r * s, g = pdy.baseAddress! + r * s
                        var dot: Float = 0
                        for j in 0..<s { dot += yr[j] * g[j] }
                        for j in 0..<s { dx[r * s + j] = yr[j] * (g[j] - dot) }
                    }
                }
            }
        }
    }

    /// Log-softmax: dx = dy − softmax · Σ_j dy.
    static func logBackward(_ dy: Tensor, y: Tensor) -> Tensor {
        let s = y.shape.last!, rows = y.count / max(s, 1)
        return Tensor.uninitialized(y.shape) { dx in
            y.storage.withUnsafeBufferPointer { py in
                dy.storage.withUnsafeBufferPointer { pdy in
                    for r in 0..<rows {
                        let yr = py.baseAddress! + r * s, g = pdy.baseAddress! + r * s
                        var total: Float = 0
                        for j in 0..<s { total += g[j] }
                        for j in 0..<s { dx[r * s + j] = g[j] - exp(yr[j]) * total }
                    }
                }
            }
        }
    }
}
