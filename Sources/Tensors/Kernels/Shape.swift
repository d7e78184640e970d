// Shape operations: reshape, permute, slice, concat, gather of rows (embeddings).

extension Tensor {
    /// The same elements under a new shape (one axis may be -1). Throws when the counts differ.
    public func reshape(_ newShape: [Int]) throws(TensorError) -> Tensor {
        var shape = newShape
        if let hole = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else { throw .shapeMismatch(op: "reshape", lhs: self.shape, rhs: newShape) }
            shape[hole] = count / known
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.product == count else {
            throw .shapeMismatch(op: "reshape", lhs: self.shape, rhs: newShape)
        }
        let out = Tensor(uncheckedShape: shape, storage: storage)
        return try Tape.record(.reshape(from: self.shape), inputs: [self], output: out)
    }
}

/// Reorders axes: out.shape[i] = x.shape[perm[i]].
public func permute(_ x: Tensor, _ perm: [Int]) throws(TensorError) -> Tensor {
    guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else {
        throw .invalidArgument(op: "permute", message: "permutation \(perm) does not fit shape \(x.shape)")
    }
    let out = ShapeKernel.permute(x, perm)
    return try Tape.record(.permute(perm), inputs: [x], output: out)
}

/// Swaps two axes.
public func transpose(_ x: Tensor, _ a: Int, _ b: Int) throws(TensorError) -> Tensor {
    var perm = Array(0..<x.rank)
    guard a >= 0, b >= 0, a < x.rank, b < x.rank else { throw .invalidAxis(op: "transpose", axis: max(a, b), shape: x.shape) }
    perm.swapAt(a, b)
    return try permute(x, perm)
}

/// Elements `range` along `axis`.
public func slice(_ x: Tensor, axis: Int, _ range: Range<Int>) throws(TensorError) -> Tensor {
    let a = axis < 0 ? axis + x.rank : axis
    guard a >= 0 && a < x.rank else { throw .invalidAxis(op: "slice", axis: axis, shape: x.shape) }
    guard range.lowerBound >= 0, range.upperBound <= x.shape[a] else {
        throw .indexOutOfRange(op: "slice", index: range.upperBound, size: x.shape[a])
    }
    let out = ShapeKernel.slice(x, axis: a, range)
    return try Tape.record(.slice(inputShape: x.shape, axis: a, range: range), inputs: [x], output: out)
}

/// Joins tensors along `axis`; every other axis must agree.
public func concat(_ xs: [Tensor], axis: Int) throws(TensorError) -> Tensor {
    guard let first = xs.first else { throw .invalidArgument(op: "concat", message: "no tensors") }
    let a = axis < 0 ? axis + first.rank : axis
    guard a >= 0 && a < first.rank else { throw .invalidAxis(op: "concat", axis: axis, shape: first.shape) }
    for x in xs {
        var s1 = x.shape, s0 = first.shape
        guard s1.count == s0.count else { throw .shapeMismatch(op: "concat", lhs: first.shape, rhs: x.shape) }
        s1[a] = 0; s0[a] = 0
        guard s1 == s0 else { throw .shapeMismatch(op: "concat", lhs: first.shape, rhs: x.shape) }
    }
    let out = ShapeKernel.concat(xs, axis: a)
    return try Tape.record(.concat(axis: a, sizes: xs.map { $0.shape[a] }), inputs: xs, output: out)
}

/// Rows of `x` (axis 0) at `indices`: x: [N, ...] → [indices.count, ...].
/// Backward scatter-adds into the rows (a row picked twice gets both gradients).
public func gatherRows(_ x: Tensor, _ indices: [Int]) throws(TensorError) -> Tensor {
    guard x.rank >= 1 else { throw .invalidShape(op: "gatherRows", shape: x.shape) }
    let n = x.shape[0]
    if let bad = indices.first(where: { $0 < 0 || $0 >= n }) { throw .indexOutOfRange(op: "gatherRows", index: bad, size: n) }
    let out = ShapeKernel.gatherRows(x, indices)
    return try Tape.record(.gatherRows(rows: n, indices: indices), inputs: [x], output: out)
}

/// Token (or learned position) embedding: table [V, D], ids laid out as `shape` → [shape..., D].
public func embedding(_ table: Tensor, ids: [Int], shape: [Int]) throws(TensorError) -> Tensor {
    guard table.rank == 2, shape.product == ids.count else {
        throw .invalidArgument(op: "embedding", message: "table \(table.shape) with \(ids.count) ids as \(shape)")
    }
    return try gatherRows(table, ids).reshape(shape + [table.shape[1]])
}

enum ShapeKernel {
    static func permute(_ x: Tensor, _ perm: [Int]) -> Tensor {
        let outShape = perm.map { x.shape[$0] }
        let inStrides = Tensor.strides(of: x.shape)
        if perm.last == x.rank - 1, let row = x.shape.last, row > 1 {
            // The last axis stays last: move whole contiguous rows, walking only the leading axes.
            let rowShape = Array(outShape.dropLast())
            let readStrides = perm.dropLast().map { inStrides[$0] }
            return Tensor.uninitialized(outShape) { y in
                x.storage.withUnsafeBufferPointer { px in
                    Broadcast.forEachIndex(rowShape, readStrides, readStrides) { r, src, _ in
                        (y.baseAddress! + r * row).update(from: px.baseAddress! + src, count: row)
                    }
                }
            }
        }
        let readStrides = perm.map { inStrides[$0] }
        return Tensor.uninitialized(outShape) { y in
            x.storage.withUnsafeBufferPointer { px in
                Broadcast.forEachIndex(outShape, readStrides, readStrides) { i, src, _ in y[i] = px[src] }
            }
        }
    }

    static func inversePermutation(_ perm: [Int]) -> [Int] {
        var inverse = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return inverse
    }

    /// Views x as [outer, n, inner] along `axis`.
    static func split(_ shape: [Int], _ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    static func slice(_ x: Tensor, axis: Int, _ range: Range<Int>) -> Tensor {
        let (outer, n, inner) = split(x.shape, axis)
        var shape = x.shape
        shape[axis] = range.count
        return Tensor.uninitialized(shape) { y in
            x.storage.withUnsafeBufferPointer { px in
                for o in 0..<outer {
                    (y.baseAddress! + o * range.count * inner)
                        .update(from: px.baseAddress! + (o * n + range.lowerBound) * inner, count: range.count * inner)
                }
            }
        }
    }

    /// dy: the slice → dx: zeros with dy written back at `range`.
    static func sliceBackward(_ dy: Tensor, inputShape: [Int], axis: Int, range: Range<Int>) -> Tensor {
        let (outer, n, inner) = split(inputShape, axis)
        var dx = Tensor.zeros(inputShape)
        dx.storage.withUnsafeMutableBufferPointer { px in
            dy.storage.withUnsafeBufferPointer { pdy in
                for o in 0..<outer {
                    (px.baseAddress! + (o * n + range.lowerBound) * inner)
                        .update(from: pdy.baseAddress! + o * range.count * inner, count: range.count * inner)
                }
            }
        }
        return dx
    }

    static func concat(_ xs: [Tensor], axis: Int) -> Tensor {
        var shape = xs[0].shape
        shape[axis] = xs.map { $0.shape[axis] }.reduce(0, +)
        let (outer, total, inner) = split(shape, axis)
        return Tensor.uninitialized(shape) { y in
            var offset = 0
            for x in xs {
                let n = x.shape[axis]
                x.storage.withUnsafeBufferPointer { px in
                    for o in 0..<outer {
                        (y.baseAddress! + (o * total + offset) * inner)
                            .update(from: px.baseAddress! + o * n * inner, count: n * inner)
                    }
                }
                offset += n
            }
        }
    }

    static func concatBackward(_ dy: Tensor, axis: Int, sizes: [Int], needs: [Bool]) -> [Tensor?] {
        var start = 0
        return sizes.enumerated().map { i, n in
            defer { start += n }
            return needs[i] ? slice(dy, axis: axis, start..<(start + n)) : nil
        }
    }

    static func gatherRows(_ x: Tensor, _ indices: [Int]) -> Tensor {
        let rowSize = x.shape.dropFirst().reduce(1, *)
        return Tensor.uninitialized([indices.count] + x.shape.dropFirst()) { y in
            x.storage.withUnsafeBufferPointer { px in
                for (r, index) in indices.enumerated() {
                    (y.baseAddress! + r * rowSize).update(from: px.baseAddress! + index * rowSize, count: rowSize)
                }
            }
        }
    }

    /// dy: [k, ...] → dx: [rows, ...], each dy row added into the row it was read from.
    static func gatherRowsBackward(_ dy: Tensor, rows: Int, indices: [Int]) -> Tensor {
        let rowSize = dy.shape.dropFirst().reduce(1, *)
        var dx = Tensor.zeros([rows] + dy.shape.dropFirst())
        dx.storage.withUnsafeMutableBufferPointer { px in
            dy.storage.withUnsafeBufferPointer { pdy in
                for (r, index) in indices.enumerated() {
                    let dst = px.baseAddress! + index * rowSize, src = pdy.baseAddress! + r * rowSize
                    for i in 0..<rowSize { dst[i] += src[i] }
                }
            }
        }
        return dx
    }
}
