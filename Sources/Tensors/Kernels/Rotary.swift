// Rotary position embedding (RoPE), both layouts, optionally over a leading fraction of head dims.

import Foundation

public struct Rotary: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        /// GPT-NeoX / Hugging Face Llama: dim i pairs with dim i + r/2 ("rotate_half").
        case half
        /// Meta / llama2.c: dims 2i and 2i+1 form a pair.
        case interleaved
    }

    /// Number of leading head dims that rotate (even); the rest pass through.
    public var dims: Int
    public var base: Float
    public var layout: Layout

    public init(dims: Int, base: Float, layout: Layout) {
        self.dims = dims
        self.base = base
        self.layout = layout
    }

    /// cos and sin of θ = position · base^(−2i/dims), laid out [position][i] for i < dims/2.
    /// Computed in Float32 the way transformers does, so logits match it closely.
    func table(positions: [Int]) -> (cos: [Float], sin: [Float]) {
        let half = dims / 2
        let inverseFrequency = (0..<half).map { i in 1 / Foundation.pow(base, Float(2 * i) / Float(dims)) }
        var cos = [Float](repeating: 0, count: positions.count * half)
        var sin = cos
        for (p, position) in positions.enumerated() {
            for i in 0..<half {
                let angle = Float(position) * inverseFrequency[i]
                cos[p * half + i] = Foundation.cos(angle)
                sin[p * half + i] = Foundation.sin(angle)
            }
        }
        return (cos, sin)
    }
}

/// Rotates each head's leading `rotary.dims` dims by its position's angles.
/// x: [B, T, H, D]; positions: [T] (shared by the batch) or [B·T] → [B, T, H, D].
public func rotary(_ x: Tensor, positions: [Int], _ rotary: Rotary) throws(TensorError) -> Tensor {
    guard x.rank == 4 else { throw .invalidShape(op: "rotary", shape: x.shape) }
    let (b, t, d) = (x.shape[0], x.shape[1], x.shape[3])
    guard rotary.dims > 0, rotary.dims % 2 == 0, rotary.dims <= d else {
        throw .invalidArgument(op: "rotary", message: "rotary dims \(rotary.dims) must be even and at most the head dim \(d)")
    }
    guard positions.count == t || positions.count == b * t else {
        throw .invalidArgument(op: "rotary", message: "\(positions.count) positions for shape \(x.shape)")
    }
    let out = RotaryKernel.apply(x, positions: positions, rotary, inverse: false)
    return try Tape.record(.rotary(positions: positions, rotary), inputs: [x], output: out)
}

enum RotaryKernel {
    /// Forward rotates by +θ; backward is the transpose of a rotation, i.e. rotation by −θ.
    ///   half:        y_i = x_i cos − x_{i+r/2} sin,   y_{i+r/2} = x_{i+r/2} cos + x_i sin
    ///   interleaved: y_{2i} = x_{2i} cos − x_{2i+1} sin,   y_{2i+1} = x_{2i+1} cos + x_{2i} sin
    static func apply(_ x: Tensor, positions: [Int], _ rotary: Rotary, inverse: Bool) -> Tensor {
        let (b, t, h, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let half = rotary.dims / 2
        let (cos, sin) = rotary.table(positions: positions)
        let sign: Float = inverse ? -1 : 1
        var out = x.detached()
        out.storage.withUnsafeMutableBufferPointer { py in
            for bi in 0..<b {
                for ti in 0..<t {
                    let p = positions.count == t ? ti : bi * t + ti
                    for hi in 0..<h {
                        let row = py.baseAddress! + ((bi * t + ti) * h + hi) * d
                        for i in 0..<half {
                            let c = cos[p * half + i], s = sign * sin[p * half + i]
                            let (j, k) = rotary.layout == .half ? (i, i + half) : (2 * i, 2 * i + 1)
                            let (x1, x2) = (row[j], row[k])
                            row[j] = x1 * c - x2 * s
                            row[k] = x2 * c + x1 * s
                        }
                    }
                }
            }
        }
        return out
    }
}
