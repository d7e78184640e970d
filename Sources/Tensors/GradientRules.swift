/// The one table of gradient rules: for each recorded op, the gradients of its
/// inputs given the gradient of its output. `needs[i]` is false for an input that
/// is not recorded, and its gradient is not computed (no weight gradients during
/// attribution). Kernels keep forward and backward side by side; this table only
/// routes. An op without a rule fails the reverse pass with its name.
enum GradientRules {
    static func backward(_ op: Op, upstream dy: Tensor, needs: [Bool]) throws(TensorError) -> [Tensor?] {
        switch op {
        case .leaf:
            return []
        case .identity:
            return [dy]
        case let .matmul(a, b, tA, tB, dims):
            return MatmulKernel.backward(dy, a: a, b: b, tA, tB, dims, needs: needs)
        case let .linear(x, weight, layout):
            return LinearKernel.backward(dy, x: x, w: weight, layout, needs: needs)
        case let .add(lhs, rhs):
            return ElementwiseKernel.addBackward(dy, lhs, rhs, needs: needs, negateRHS: false)
        case let .sub(lhs, rhs):
            return ElementwiseKernel.addBackward(dy, lhs, rhs, needs: needs, negateRHS: true)
        case let .mul(lhs, rhs):
            return ElementwiseKernel.mulBackward(dy, lhs, rhs, needs: needs)
        case let .scale(c):
            return [ElementwiseKernel.scale(dy, c)]
        case let .reduce(shape, axis, scale):
            return [ReduceKernel.backward(dy, inputShape: shape, axis: axis, scale: scale)]
        case let .reshape(from):
            return [Tensor(uncheckedShape: from, storage: dy.storage)]
        case let .permute(perm):
            return [ShapeKernel.permute(dy, ShapeKernel.inversePermutation(perm))]
        case let .slice(shape, axis, range):
            return [ShapeKernel.sliceBackward(dy, inputShape: shape, axis: axis, range: range)]
        case let .concat(axis, sizes):
            return ShapeKernel.concatBackward(dy, axis: axis, sizes: sizes, needs: needs)
        case let .gatherRows(rows, indices):
            return [ShapeKernel.gatherRowsBackward(dy, rows: rows, indices: indices)]
        case let .layerNorm(x, weight, stats):
            return NormKernel.layerNormBackward(dy, x: x, w: weight, stats: stats, needs: needs)
        case let .rmsNorm(x, weight, rstd):
            return NormKernel.rmsNormBackward(dy, x: x, w: weight, rstd: rstd, needs: needs)
        case let .softmax(y):
            return [SoftmaxKernel.backward(dy, y: y)]
        case let .logSoftmax(y):
            return [SoftmaxKernel.logBackward(dy, y: y)]
        case let .gelu(x, approximation):
            return [ActivationKernel.backward(dy, x: x) { ActivationKernel.geluDerivative($0, approximation) }]
        case let .silu(x):
            return [ActivationKernel.backward(dy, x: x) { ActivationKernel.siluDerivative($0) }]
        case let .swiglu(gate, up):
            return ActivationKernel.swigluBackward(dy, gate: gate, up: up, needs: needs)
        case let .rotary(positions, rotary):
            return [RotaryKernel.apply(dy, positions: positions, rotary, inverse: true)]
        case let .attentionScores(q, k, scale, dims):
            return AttentionKernel.scoresBackward(dy, q: q, k: k, scale: scale, dims, needs: needs)
        case let .attentionMix(pattern, v, dims):
            return AttentionKernel.mixBackward(dy, p: pattern, v: v, dims, needs: needs)
        case let .crossEntropy(probabilities, targets):
            return [CrossEntropyKernel.backward(dy, probabilities: probabilities, targets: targets)]
        case let .custom(name, rule):
            guard let rule else { throw .noGradientRule(op: name) }
            return try rule(dy, needs)
        }
    }
}
