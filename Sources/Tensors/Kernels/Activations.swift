// Pointwise activations: GELU (tanh and erf), SiLU, SwiGLU.
//
// Each works on vectors of 8 lanes (VectorMath.swift); a tensor's last partial
// chunk goes through the same vector code, padded, so every element gets the same math.

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
                nonisolated(unsafe) let (g, u, out) = (pg.baseAddress!, pu.baseAddress!, py.baseAddress!)
                parallelElements(py.count) { range in
                    let n = range.upperBound
                    forEachChunk(in: range) { i in
                        out.storeVector(ActivationKernel.silu(g.vector(at: i, end: n)) * u.vector(at: i, end: n), at: i, end: n)
                    }
                }
            }
        }
    }
    return try Tape.record(.swiglu(gate: gate.detached(), up: up.detached()), inputs: [gate, up], output: y)
}

enum ActivationKernel {
    /// y = f(x), split across cores for large tensors. `f` maps 8 lanes at a time, so the
    /// closure call (GradientRules hands the derivatives over as closures) is paid once
    /// per 8 elements and the math inside it is vectorised.
    @inline(__always)
    static func map(_ x: Tensor, _ f: @Sendable (FloatVector) -> FloatVector) -> Tensor {
        Tensor.uninitialized(x.shape) { y in
            x.storage.withUnsafeBufferPointer { px in
                nonisolated(unsafe) let (src, dst) = (px.baseAddress!, y.baseAddress!)
                parallelElements(px.count) { range in
                    let n = range.upperBound
                    forEachChunk(in: range) { i in dst.storeVector(f(src.vector(at: i, end: n)), at: i, end: n) }
                }
            }
        }
    }

    /// dx = dy ⊙ f'(x), where `derivative` gives f' (8 lanes at a time).
    @inline(__always)
    static func backward(_ dy: Tensor, x: Tensor, _ derivative: @Sendable (FloatVector) -> FloatVector) -> Tensor {
        Tensor.uninitialized(x.shape) { dx in
            x.storage.withUnsafeBufferPointer { px in
                dy.storage.withUnsafeBufferPointer { pdy in
                    nonisolated(unsafe) let (src, g, dst) = (px.baseAddress!, pdy.baseAddress!, dx.baseAddress!)
                    parallelElements(px.count) { range in
                        let n = range.upperBound
                        forEachChunk(in: range) { i in
                            dst.storeVector(g.vector(at: i, end: n) * derivative(src.vector(at: i, end: n)), at: i, end: n)
                        }
                    }
                }
            }
        }
    }

    static let inverseSqrtTwo: Float = 0.7071067811865476
    static let inverseSqrtTwoPi: Float = 0.3989422804014327

    /// 1 + e^(−2u) for the tanh form, u = √(2/π)(x + 0.044715x³), since ½(1 + tanh u) =
    /// σ(2u) = 1/(1 + e^(−2u)): one exp instead of a tanh, and no cancellation.
    /// −2u = x·(a + b·x²) with the constants folded.
    @inline(__always)
    static func geluTanhDenominator(_ x: FloatVector) -> FloatVector {
        1 + VectorMath.exp(x * (-1.5957691216 + -0.0713548163 * (x * x)))
    }

    @inline(__always)
    static func gelu(_ x: FloatVector, _ approximation: GELUApproximation) -> FloatVector {
        switch approximation {
        case .tanh: x / geluTanhDenominator(x)
        case .erf: 0.5 * x * (1 + VectorMath.erf(x * inverseSqrtTwo))
        }
    }

    /// GELU'(x). tanh form with t = tanh u, s = σ(2u) = ½(1 + t), so ½(1 − t²) = 2s(1 − s):
    ///   s + x·2s(1 − s)·√(2/π)(1 + 3·0.044715x²) = s·(1 + x(1 − s)·(c + d·x²)),
    ///   c = 2√(2/π), d = 3·0.044715·c;   erf form: Φ(x) + x·φ(x).
    @inline(__always)
    static func geluDerivative(_ x: FloatVector, _ approximation: GELUApproximation) -> FloatVector {
        switch approximation {
        case .tanh:
            let s = 1 / geluTanhDenominator(x)
            return s * (1 + x * (1 - s) * (1.5957691216 + 0.2140644488 * (x * x)))
        case .erf:
            // Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−(x/√2)²)/√(2π): one exp for both.
            let (erf, gaussian) = VectorMath.erfAndGaussian(x * inverseSqrtTwo)
            return 0.5 * (1 + erf) + x * (gaussian * inverseSqrtTwoPi)
        }
    }

    /// x·σ(x) = x/(1 + e⁻ˣ): one division, no multiply.
    @inline(__always) static func silu(_ x: FloatVector) -> FloatVector { x / (1 + VectorMath.exp(-x)) }
    /// SiLU'(x) = σ(x)·(1 + x·(1 − σ(x))), given s = σ(x).
    @inline(__always) static func siluDerivative(_ x: FloatVector, sigmoid s: FloatVector) -> FloatVector {
        s * (1 + x * (1 - s))
    }
    @inline(__always) static func siluDerivative(_ x: FloatVector) -> FloatVector {
        siluDerivative(x, sigmoid: VectorMath.sigmoid(x))
    }

    /// d gate = dy ⊙ up ⊙ silu'(gate),  d up = dy ⊙ silu(gate); one σ per element for both.
    static func swigluBackward(_ dy: Tensor, gate: Tensor, up: Tensor, needs: [Bool]) -> [Tensor?] {
        let n = gate.count, wantGate = needs[0], wantUp = needs[1]
        var dUp: [Float] = []
        let dGate = [Float](unsafeUninitializedCapacity: wantGate ? n : 0) { pdGate, gateCount in
            dUp = [Float](unsafeUninitializedCapacity: wantUp ? n : 0) { pdUp, upCount in
                gate.storage.withUnsafeBufferPointer { pg in
                    up.storage.withUnsafeBufferPointer { pu in
                        dy.storage.withUnsafeBufferPointer { pdy in
                            nonisolated(unsafe) let (g, u, d) = (pg.baseAddress!, pu.baseAddress!, pdy.baseAddress!)
                            nonisolated(unsafe) let outGate = wantGate ? pdGate.baseAddress : nil
                            nonisolated(unsafe) let outUp = wantUp ? pdUp.baseAddress : nil
                            parallelElements(n) { range in
                                let n = range.upperBound
                                forEachChunk(in: range) { i in
                                    let x = g.vector(at: i, end: n), s = VectorMath.sigmoid(x), grad = d.vector(at: i, end: n)
                                    outGate?.storeVector(grad * u.vector(at: i, end: n) * siluDerivative(x, sigmoid: s), at: i, end: n)
                                    outUp?.storeVector(grad * (x * s), at: i, end: n)
                                }
                            }
                        }
                    }
                }
                upCount = wantUp ? n : 0
            }
            gateCount = wantGate ? n : 0
        }
        return [wantGate ? Tensor(uncheckedShape: gate.shape, storage: dGate) : nil,
                wantUp ? Tensor(uncheckedShape: up.shape, storage: dUp) : nil]
    }
}
