// Softmax and log-softmax over the last axis, optionally with a causal mask.
//
// Rows are split across cores; within a row, max, Σ exp and dot products run on SIMD
// vectors (VectorMath.swift) in an order fixed by the row length.

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
                nonisolated(unsafe) let (src, dst) = (px.baseAddress!, py.baseAddress!)
                parallelChunks(rows, minimumChunk: minimumRows(rowLength: s)) { range in
                    for r in range {
                        let row = src + r * s, out = dst + r * s
                        // Keys visible to this query: all, or up to its own position.
                        let visible = causal ? min(s, r % t + (s - t) + 1) : s
                        // The chunks holding visible keys, written whole: lanes past the last visible
                        // key are masked, to −∞ for the max and to 0 after the exp (rather than
                        // taking e^−∞, whose subnormal intermediate results are slow on x86). Only
                        // a row's end can cut a chunk short, so loads and stores stop at `span`.
                        let span = min(s, (visible + vectorWidth - 1) / vectorWidth * vectorWidth)
                        @inline(__always) func masked(_ v: FloatVector, _ j: Int, _ value: Float) -> FloatVector {
                            VectorMath.replacingLanes(of: v, at: j, from: visible, with: value)
                        }
                        let peak = VectorMath.maximumLane(reduceChunks(span, FloatVector(repeating: -.infinity), VectorMath.maximum) {
                            masked(row.vector(at: $0, end: span), $0, -.infinity)
                        })
                        let total = sumChunks(span) { j in
                            let e = masked(VectorMath.exp(row.vector(at: j, end: span) - peak), j, 0)
                            if !takeLog { out.storeVector(e, at: j, end: span) }
                            return e
                        }
                        if takeLog {
                            let lse = peak + log(total)
                            forEachChunk(span) { j in out.storeVector(masked(row.vector(at: j, end: span) - lse, j, -.infinity), at: j, end: span) }
                        } else {
                            let inv = 1 / total
                            forEachChunk(span) { j in out.storeVector(out.vector(at: j, end: span) * inv, at: j, end: span) }
                        }
                        let fill = FloatVector(repeating: takeLog ? -.infinity : 0)
                        forEachChunk(in: span..<s) { j in out.storeVector(fill, at: j, end: s) }
                    }
                }
            }
        }
    }

    /// Softmax: dx = y ⊙ (dy − Σ_j y·dy). Masked entries have y = 0 and so get 0.
    static func backward(_ dy: Tensor, y: Tensor) -> Tensor {
        rowwise(dy, y) { s, yr, g, out in
            let dot = sumChunks(s) { j in yr.vector(at: j, end: s) * g.vector(at: j, end: s) }
            forEachChunk(s) { j in out.storeVector(yr.vector(at: j, end: s) * (g.vector(at: j, end: s) - dot), at: j, end: s) }
        }
    }

    /// Log-softmax: dx = dy − softmax · Σ_j dy.
    static func logBackward(_ dy: Tensor, y: Tensor) -> Tensor {
        rowwise(dy, y) { s, yr, g, out in
            let total = sumChunks(s) { j in g.vector(at: j, end: s) }
            forEachChunk(s) { j in
                out.storeVector(g.vector(at: j, end: s) - VectorMath.exp(yr.vector(at: j, end: s)) * total, at: j, end: s)
            }
        }
    }

    /// dx row by row from y and dy (rows of length s), rows split across cores.
    @inline(__always)
    private static func rowwise(_ dy: Tensor, _ y: Tensor,
                                _ body: @Sendable (_ s: Int, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                                   _ dx: UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let s = y.shape.last!, rows = y.count / max(s, 1)
        return Tensor.uninitialized(y.shape) { dx in
            y.storage.withUnsafeBufferPointer { py in
                dy.storage.withUnsafeBufferPointer { pdy in
                    nonisolated(unsafe) let (ys, gs, out) = (py.baseAddress!, pdy.baseAddress!, dx.baseAddress!)
                    parallelChunks(rows, minimumChunk: minimumRows(rowLength: s)) { range in
                        for r in range { body(s, ys + r * s, gs + r * s, out + r * s) }
                    }
                }
            }
        }
    }
}
