/// Every operation the tape can record, with what its backward needs.
/// Saved tensors are detached (no tape entry), so the tape holds no reference cycle.
enum Op: Sendable {
    /// A watched tensor: gradients stop here.
    case leaf
    /// A hook point: passes values and gradients through, but has its own gradient entry.
    case identity
    case matmul(a: Tensor, b: Tensor, transposeA: Bool, transposeB: Bool, dims: MatmulKernel.Dims)
    case linear(x: Tensor, weight: Tensor, layout: WeightLayout)
    case add(lhsShape: [Int], rhsShape: [Int])
    case sub(lhsShape: [Int], rhsShape: [Int])
    case mul(lhs: Tensor, rhs: Tensor)
    case scale(Float)
    /// Sum or mean over one axis (mean is a sum scaled by 1/n).
    case reduce(inputShape: [Int], axis: Int, scale: Float)
    case reshape(from: [Int])
    case permute([Int])
    case slice(inputShape: [Int], axis: Int, range: Range<Int>)
    case concat(axis: Int, sizes: [Int])
    case gatherRows(rows: Int, indices: [Int])
    case layerNorm(x: Tensor, weight: Tensor, stats: [Float])
    case rmsNorm(x: Tensor, weight: Tensor, rstd: [Float])
    case softmax(y: Tensor)
    case logSoftmax(y: Tensor)
    case gelu(x: Tensor, approximation: GELUApproximation)
    case silu(x: Tensor)
    case swiglu(gate: Tensor, up: Tensor)
    case rotary(positions: [Int], Rotary)
    case attentionScores(q: Tensor, k: Tensor, scale: Float, dims: AttentionKernel.Dims)
    case attentionMix(pattern: Tensor, v: Tensor, dims: AttentionKernel.Dims)
    case crossEntropy(probabilities: Tensor, targets: [Int])
    /// An operation defined outside this module; `backward` nil means it has no gradient rule.
    case custom(name: String, backward: CustomBackward?)

    var name: String {
        switch self {
        case .leaf: "leaf"
        case .identity: "identity"
        case .matmul: "matmul"
        case .linear: "linear"
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .scale: "scale"
        case .reduce: "reduce"
        case .reshape: "reshape"
        case .permute: "permute"
        case .slice: "slice"
        case .concat: "concat"
        case .gatherRows: "gatherRows"
        case .layerNorm: "layerNorm"
        case .rmsNorm: "rmsNorm"
        case .softmax: "softmax"
        case .logSoftmax: "logSoftmax"
        case .gelu: "gelu"
        case .silu: "silu"
        case .swiglu: "swiglu"
        case .rotary: "rotary"
        case .attentionScores: "attentionScores"
        case .attentionMix: "attentionMix"
        case .crossEntropy: "crossEntropy"
        case let .custom(name, _): name
        }
    }
}

/// Gradient rule of a custom op: upstream gradient and which inputs need one → input gradients.
public typealias CustomBackward = @Sendable (_ upstream: Tensor, _ needs: [Bool]) throws(TensorError) -> [Tensor?]

/// Records an operation computed outside the built-in kernels. Without a `backward`
/// the op has no gradient rule, and a reverse pass that reaches it fails naming it.
public func recordCustom(_ name: String, inputs: [Tensor], output: Tensor,
                         backward: CustomBackward? = nil) throws(TensorError) -> Tensor {
    try Tape.record(.custom(name: name, backward: backward), inputs: inputs, output: output.detached())
}
