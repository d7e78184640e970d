// Elementwise arithmetic with NumPy broadcasting, and scaling.

public func + (lhs: Tensor, rhs: Tensor) throws(TensorError) -> Tensor { try add(lhs, rhs) }
public func - (lhs: Tensor, rhs: Tensor) throws(TensorError) -> Tensor { try sub(lhs, rhs) }
public func * (lhs: Tensor, rhs: Tensor) throws(TensorError) -> Tensor { try mul(lhs, rhs) }
public func * (lhs: Tensor, rhs: Float) throws(TensorError) -> Tensor { try scale(lhs, by: rhs) }

/// a + b, broadcast. Shapes are aligned from the right; an axis of size 1 (or a missing one) repeats.
public func add(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    let out = try Broadcast.apply("add", a, b, +)
    return try Tape.record(.add(lhsShape: a.shape, rhsShape: b.shape), inputs: [a, b], output: out)
}

/// a − b, broadcast.
public func sub(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    let out = try Broadcast.apply("sub", a, b, -)
    return try Tape.record(.sub(lhsShape: a.shape, rhsShape: b.shape), inputs: [a, b], output: out)
}

/// a ⊙ b, broadcast.
public func mul(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    let out = try Broadcast.apply("mul", a, b, *)
    return try Tape.record(.mul(lhs: a.detached(), rhs: b.detached()), inputs: [a, b], output: out)
}

/// x · c for a constant c.
public func scale(_ x: Tensor, by c: Float) throws(TensorError) -> Tensor {
    let out = ElementwiseKernel.scale(x, c)
    return try Tape.record(.scale(c), inputs: [x], output: out)
}

enum ElementwiseKernel {
    static func scale(_ x: Tensor, _ c: Float) -> Tensor {
        Tensor.uninitialized(x.shape) { y in
            x.storage.withUnsafeBufferPointer { px in
                for i in 0..<px.count { y[i] = px[i] * c }
            }
        }
    }

    /// d(a+b): upstream summed down to each operand's shape.
    static func addBackward(_ dy: Tensor, _ aShape: [Int], _ bShape: [Int], needs: [Bool], negateRHS: Bool) -> [Tensor?] {
        [needs[0] ? Broadcast.sum(dy, to: aShape) : nil,
         needs[1] ? Broadcast.sum(negateRHS ? scale(dy, -1) : dy, to: bShape) : nil]
    }

    /// d(a⊙b): da = Σ dy⊙b, db = Σ dy⊙a (each summed to its operand's shape).
    static func mulBackward(_ dy: Tensor, _ a: Tensor, _ b: Tensor, needs: [Bool]) -> [Tensor?] {
        [needs[0] ? Broadcast.sum(Broadcast.apply(into: dy.shape, dy, b, *), to: a.shape) : nil,
         needs[1] ? Broadcast.sum(Broadcast.apply(into: dy.shape, dy, a, *), to: b.shape) : nil]
    }
}

/// NumPy broadcasting: shape rules, the binary kernel, and its adjoint (sum to a shape).
enum Broadcast {
    static func shape(_ op: String, _ a: [Int], _ b: [Int]) throws(TensorError) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { throw .shapeMismatch(op: op, lhs: a, rhs: b) }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides of `shape` read as `outShape` (0 on broadcast axes).
    static func strides(_ shape: [Int], as outShape: [Int]) -> [Int] {
        let own = Tensor.strides(of: shape)
        let offset = outShape.count - shape.count
        return (0..<outShape.count).map { i in
            i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
        }
    }

    @inline(__always)
    static func apply(_ op: String, _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws(TensorError) -> Tensor {
        apply(into: try shape(op, a.shape, b.shape), a, b, f)
    }

    /// The kernel proper, for an output shape both operands are known to broadcast to.
    /// Inlined so each call site's `f` is specialised into a tight, vectorisable loop.
    @inline(__always)
    static func apply(into outShape: [Int], _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        Tensor.uninitialized(outShape) { y in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    if a.shape == b.shape {
                        for i in 0..<y.count { y[i] = f(pa[i], pb[i]) }
                    } else if b.count > 0, outShape == a.shape, isTrailing(b.shape, of: a.shape) {
                        // [..., n] ∘ [n]: the common bias/scale case.
                        let n = b.count
                        for i in 0..<y.count { y[i] = f(pa[i], pb[i % n]) }
                    } else if a.count > 0, outShape == b.shape, isTrailing(a.shape, of: b.shape) {
                        let n = a.count
                        for i in 0..<y.count { y[i] = f(pa[i % n], pb[i]) }
                    } else {
                        let sa = strides(a.shape, as: outShape), sb = strides(b.shape, as: outShape)
                        forEachIndex(outShape, sa, sb) { i, ia, ib in y[i] = f(pa[ia], pb[ib]) }
                    }
                }
            }
        }
    }

    /// True when `small` equals the trailing axes of `big` (after dropping leading ones).
    static func isTrailing(_ small: [Int], of big: [Int]) -> Bool {
        let trimmed = small.drop(while: { $0 == 1 })
        return trimmed.count <= big.count && Array(big.suffix(trimmed.count)) == Array(trimmed)
    }

    /// Walks every output index with the matching flat offsets into two strided inputs.
    static func forEachIndex(_ shape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let total = shape.product
        guard total > 0 else { return }
        var index = [Int](repeating: 0, count: shape.count)
        var ia = 0, ib = 0
        for flat in 0..<total {
            body(flat, ia, ib)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                ia += sa[axis]; ib += sb[axis]
                if index[axis] < shape[axis] { break }
                ia -= sa[axis] * shape[axis]; ib -= sb[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Sums `x` over the axes that broadcasting expanded, giving a tensor of `shape`.
    static func sum(_ x: Tensor, to shape: [Int]) -> Tensor {
        if x.shape == shape { return x.detached() }
        var out = Tensor.zeros(shape)
        let so = strides(shape, as: x.shape)
        out.storage.withUnsafeMutableBufferPointer { po in
            x.storage.withUnsafeBufferPointer { px in
                if shape.product > 0, isTrailing(shape, of: x.shape) {
                    let n = shape.product
                    for i in 0..<px.count { po[i % n] += px[i] }
                } else {
                    forEachIndex(x.shape, so, so) { i, io, _ in po[io] += px[i] }
                }
            }
        }
        return out
    }
}
