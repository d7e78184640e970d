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
    let y = ActivationKernel.map(x) { ActivationKernel.gelu($0, approximation) }
    return try Tape.record(.gelu(x: x.detached(), approximation: approximation), inputs: [x], output: y)
}

/// SiLU: x·σ(x).
public func silu(_ x: Tensor) throws(TensorError) -> Tensor {
    let y = ActivationKernel.map(x) { ActivationKernel.silu($0) }
    return try Tape.record(.silu(x: x.detached()), inputs: [x], output: y)
}

/// SwiGLU: silu(gate) ⊙ up. gate, up: same shape → same shape.
public func swiglu(gate: Tensor, up: Tensor) throws(TensorError) -> Tensor {
    guard gate.shape == up.shape else { throw .shapeMismatch(op: "swiglu", lhs: gate.shape, rhs: up.shape) }
    let y = Tensor.uninitialized(gate.shape) { py in
        gate.storage.withUnsafeBufferPointer { pg in
            up.storage.withUnsafeBufferPointer { pu in
                for i in 0..<py.count { py[i] = ActivationKernel.silu(pg[i]) * pu[i] }
            }
        }
    }
    return try Tape.record(.swiglu(gate: gate.detached(), up: up.detached()), inputs: [gate, up], output: y)
}

enum ActivationKernel {
    /// y = f(x), elementwise, split across cores for large tensors.
    static func map(_ x: Tensor, _ f: @escaping @Sendable (Float) -> Float) -> Tensor {
        Tensor.uninitialized(x.shape) { y in
            x.storage.withUnsafeBufferPointer { px in
                nonisolated(unsafe) let (src, dst) = (px.baseAddress!, y.baseAddress!)
                parallelChunks(px.count) { range in
                    for i in range { dst[i] = f(src[i]) }
                }
            }
        }
    }

    /// dx = dy ⊙ f'(x), where `derivative` gives f'.
    static func backward(_ dy: Tensor, x: Tensor, _ derivative: @escaping @Sendable (Float) -> Float) -> Tensor {
        Tensor.uninitialized(x.shape) { dx in
            x.storage.withUnsafeBufferPointer { px in
                dy.storage.withUnsafeBufferPointer { pdy in
                    nonisolated(unsafe) let (src, g, dst) = (px.baseAddress!, pdy.baseAddress!, dx.baseAddress!)
                    parallelChunks(px.count) { range in
                        for i in range { dst[i] = g[i] * derivative(src[i]) }
                    }
                }
            }
        }
    }

    static let sqrtTwoOverPi: Float = 0.7978845608028654
    static let inverseSqrtTwo: Float = 0.7071067811865476
    static let inverseSqrtTwoPi: Float = 0.3989422804014327

    @inline(__always)
    static func gelu(_ x: Float, _ approximation: GELUApproximation) -> Float {
        switch approximation {
        // ½(1 + tanh u) = σ(2u): one exp instead of glibc's slow tanhf, and no cancellation.
        case .tanh: x * sigmoid(2 * sqrtTwoOverPi * (x + 0.044715 * x * x * x))
        case .erf: 0.5 * x * (1 + Foundation.erf(x * inverseSqrtTwo))
        }
    }

    /// GELU'(x). tanh form with t = tanh u, s = σ(2u) = ½(1 + t), so ½(1 − t²) = 2s(1 − s):
    ///   s + x·2s(1 − s)·√(2/π)(1 + 3·0.044715x²);   erf form: Φ(x) + x·φ(x).
    @inline(__always)
    static func geluDerivative(_ x: Float, _ approximation: GELUApproximation) -> Float {
        switch approximation {
        case .tanh:
            let s = sigmoid(2 * sqrtTwoOverPi * (x + 0.044715 * x * x * x))
            return s + x * 2 * s * (1 - s) * sqrtTwoOverPi * (1 + 3 * 0.044715 * x * x)
        case .erf:
            return 0.5 * (1 + Foundation.erf(x * inverseSqrtTwo)) + x * Foundation.exp(-0.5 * x * x) * inverseSqrtTwoPi
        }
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    @inline(__always) static func silu(_ x: Float) -> Float { x * sigmoid(x) }
    /// SiLU'(x) = σ(x)·(1 + x·(1 − σ(x))).
    @inline(__always) static func siluDerivative(_ x: Float) -> Float {
        let s = sigmoid(x)
        return s * (1 + x * (1 - s))
    }

    /// d gate = dy ⊙ up ⊙ silu'(gate),  d up = dy ⊙ silu(gate).
    static func swigluBackward(_ dy: Tensor, gate: Tensor, up: Tensor, needs: [Bool]) -> [Tensor?] {
        var dGate = [Float](repeating: 0, count: needs[0] ? gate.count : 0)
        var dUp = [Float](repeating: 0, count: needs[1] ? up.count : 0)
        gate.storage.withUnsafeBufferPointer { pg in
            up.storage.withUnsafeBufferPointer { pu in
                dy.storage.withUnsafeBufferPointer { pdy in
                    for i in 0..<pg.count {
                        if needs[0] { dGate[i] = pdy[i] * pu[i] * siluDerivative(pg[i]) }
                        if needs[1] { dUp[i] = pdy[i] * silu(pg[i]) }
                    }
                }
            }
        }
        return [needs[0] ? Tensor(uncheckedShape: gate.shape, storage: dGate) : nil,
                needs[1] ? Tensor(uncheckedShape: up.shape, storage: dUp) : nil]
    }
}
