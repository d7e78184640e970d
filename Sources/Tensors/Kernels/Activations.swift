// Pointwise activations: GELU (tanh and erf), SiLU, SwiGLU.

import Foundation

public enum GELUApproximation: Sendable, Equatable {
    /// 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))): GPT-2's "gelu_new", "gelu_pytorch_tanh".
    case tanh
    /// 0.5·x·(1 + erf(x/√2)): "gelu".
    case erf
}

/// GELU. x: any shape → same shape.
public func gelu(_ x: Tensor, approximation: GELUApproximation) throws(TensorError) -> Tensor {
    let y = ActivationKernel.map(x) { ActivationKernel.gelu($0, approximation).value }
    return try Tape.record(.gelu(x: x.detached(), approximation: approximation), inputs: [x], output: y)
}

/// SiLU: x·σ(x).
public func silu(_ x: Tensor) throws(TensorError) -> Tensor {
    let y = ActivationKernel.map(x) { ActivationKernel.silu($0).value }
    return try Tape.record(.silu(x: x.detached()), inputs: [x], output: y)
}

/// SwiGLU: silu(gate) ⊙ up. gate, up: same shape → same shape.
public func swiglu(gate: Tensor, up: Tensor) throws(TensorError) -> Tensor {
    guard gate.shape == up.shape else { throw .shapeMismatch(op: "swiglu", lhs: gate.shape, rhs: up.shape) }
    let y = Tensor.uninitialized(gate.shape) { py in
        gate.storage.withUnsafeBufferPointer { pg in
            up.storage.withUnsafeBufferPointer { pu in
                for i in 0..<py.count { py[i] = ActivationKernel.silu(pg[i]).value * pu[i] }
            }
        }
    }
    return try Tape.record(.swiglu(gate: gate.detached(), up: up.detached()), inputs: [gate, up], output: y)
}

enum ActivationKernel {
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        Tensor.uninitialized(x.shape) { y in
            x.storage.withUnsafeBufferPointer { px in
                for i in 0..<px.count { y[i] = f(px[i]) }
            }
        }
    }

    /// dx = dy ⊙ f'(x), where `derivative` gives f'.
    static func backward(_ dy: Tensor, x: Tensor, _ derivative: (Float) -> Float) -> Tensor {
        Tensor.uninitialized(x.shape) { dx in
            x.storage.withUnsafeBufferPointer { px in
                dy.storage.withUnsafeBufferPointer { pdy in
                    for i in 0..<px.count { dx[i] = pdy[i] * derivative(px[i]) }
                }
            }
        }
    }

    /// GELU value and derivative at x.
    @inline(__always)
    static func gelu(_ x: Float, _ approximation: GELUApproximation) -> (value: Float, derivative: Float) {
        switch approximation {
        case .tanh:
            let c: Float = 0.7978845608028654  // √(2/π)
            let inner = c * (x + 0.044715 * x * x * x)
            let t = Foundation.tanh(inner)
            let dInner = c * (1 + 3 * 0.044715 * x * x)
            return (0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner)
        case .erf:
            let cdf = 0.5 * (1 + Foundation.erf(x * 0.7071067811865476))
            let pdf = Foundation.exp(-0.5 * x * x) * 0.3989422804014327  // 1/√(2π)
            return (x * cdf, cdf + x * pdf)
        }
    }

    /// SiLU value and derivative: σ(x)·(1 + x·(1 − σ(x))).
    @inline(__always)
    static func silu(_ x: Float) -> (value: Float, derivative: Float) {
        let s = 1 / (1 + Foundation.exp(-x))
        return (x * s, s * (1 + x * (1 - s)))
    }

    /// d gate = dy ⊙ up ⊙ silu'(gate),  d up = dy ⊙ silu(gate).
    static func swigluBackward(_ dy: Tensor, gate: Tensor, up: Tensor, needs: [Bool]) -> [Tensor?] {
        var dGate = [Float](repeating: 0, count: needs[0] ? gate.count : 0)
        var dUp = [Float](repeating: 0, count: needs[1] ? up.count : 0)
        gate.storage.withUnsafeBufferPointer { pg in
            up.storage.withUnsafeBufferPointer { pu in
                dy.storage.withUnsafeBufferPointer { pdy in
                    for i in 0..<pg.count {
                        let (value, derivative) = silu(pg[i])
                        if needs[0] { dGate[i] = pdy[i] * pu[i] * derivative }
                        if needs[1] { dUp[i] = pdy[i] * value }
                    }
                }
            }
        }
        return [needs[0] ? Tensor(uncheckedShape: gate.shape, storage: dGate) : nil,
                needs[1] ? Tensor(uncheckedShape: up.shape, storage: dUp) : nil]
    }
}
