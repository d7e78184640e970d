// Sum and mean over one axis.

/// Σ over `axis`. x: [..., n, ...] → [..., ...] (or [..., 1, ...] with keepDims).
public func sum(_ x: Tensor, axis: Int, keepDims: Bool = false) throws(TensorError) -> Tensor {
    try ReduceKernel.reduce("sum", x, axis: axis, keepDims: keepDims, divideBy: 1)
}

/// Mean over `axis`.
public func mean(_ x: Tensor, axis: Int, keepDims: Bool = false) throws(TensorError) -> Tensor {
    let a = axis < 0 ? axis + x.rank : axis
    guard a >= 0 && a < x.rank else { throw .invalidAxis(op: "mean", axis: axis, shape: x.shape) }
    return try ReduceKernel.reduce("mean", x, axis: a, keepDims: keepDims, divideBy: Float(max(x.shape[a], 1)))
}

/// Σ of every element → scalar [].
public func sumAll(_ x: Tensor) throws(TensorError) -> Tensor {
    try sum(x.reshape([x.count]), axis: 0)
}

enum ReduceKernel {
    static func reduce(_ name: String, _ x: Tensor, axis: Int, keepDims: Bool, divideBy: Float) throws(TensorError) -> Tensor {
        let a = axis < 0 ? axis + x.rank : axis
        guard a >= 0 && a < x.rank else { throw .invalidAxis(op: name, axis: axis, shape: x.shape) }
        let outer = x.shape[..<a].reduce(1, *), n = x.shape[a], inner = x.shape[(a + 1)...].reduce(1, *)
        var shape = x.shape
        if keepDims { shape[a] = 1 } else { shape.remove(at: a) }
        let scale = 1 / divideBy
        let out = Tensor.uninitialized(shape) { y in
            y.update(repeating: 0)
            x.storage.withUnsafeBufferPointer { px in
                for o in 0..<outer {
                    let dst = y.baseAddress! + o * inner
                    for j in 0..<n {
                        let src = px.baseAddress! + (o * n + j) * inner
                        for i in 0..<inner { dst[i] += src[i] }
                    }
                    for i in 0..<inner { dst[i] *= scale }
                }
            }
        }
        return try Tape.record(.reduce(inputShape: x.shape, axis: a, scale: scale), inputs: [x], output: out)
    }

    /// dy: the reduced shape → dx: every element of the reduced axis receives dy · scale.
    static func backward(_ dy: Tensor, inputShape: [Int], axis: Int, scale: Float) -> Tensor {
        let outer = inputShape[..<axis].reduce(1, *), n = inputShape[axis], inner = inputShape[(axis + 1)...].reduce(1, *)
        return Tensor.uninitialized(inputShape) { dx in
            dy.storage.withUnsafeBufferPointer { pdy in
                for o in 0..<outer {
                    let src = pdy.baseAddress! + o * inner
                    for j in 0..<n {
                        let dst = dx.baseAddress! + (o * n + j) * inner
                        for i in 0..<inner { dst[i] = src[i] * scale }
                    }
                }
            }
        }
    }
}
