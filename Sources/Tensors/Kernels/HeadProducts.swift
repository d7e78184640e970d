// Per-head products with a projection's head blocks, read in place.
//
// Edge attribution needs each head's own view of two projections: the gradient at a
// head's q/k/v input (dQ_h · W_Q,h, "virtual split": the forward runs on the shared
// input and per-head copies of the residual are never made) and a head's write into
// the residual (z_h · W_O,hᵀ). Both are H small products whose operands are column
// blocks of [R, H·D] rows and row or column blocks of the weight; BLAS reads the
// blocks through leading dimensions, so nothing is permuted or copied.
//
// These are read-only helpers for attribution: they are not recorded on a tape.

/// Where a weight keeps its head blocks.
public enum HeadBlocks: Sendable, Equatable {
    /// Weight [G·D, N] (a q/k/v projection, `.outIn`): head h uses rows g(h)·D..<(g(h)+1)·D,
    /// g(h) = h / (H / G) (grouped-query attention shares a group's rows, never copied).
    case rows(groups: Int)
    /// Weight [N, H·D] (the output projection W_O, `.outIn`): head h uses columns h·D..<(h+1)·D.
    case columns
}

/// x: [R, H·D] (head h in columns h·D..<(h+1)·D) →  [H, R, N] with
///   `.rows`:    out[h] = x_h · W[g(h) block]      ([R, D] · [D, N])
///   `.columns`: out[h] = x_h · W[:, h block]ᵀ     ([R, D] · [D, N])
public func perHeadProducts(_ x: Tensor, heads: Int, weight: Tensor, blocks: HeadBlocks) throws(TensorError) -> Tensor {
    guard x.rank == 2, heads > 0, x.shape[1] % heads == 0, weight.rank == 2 else {
        throw .shapeMismatch(op: "perHeadProducts", lhs: x.shape, rhs: weight.shape)
    }
    let (r, d) = (x.shape[0], x.shape[1] / heads)
    let n: Int
    switch blocks {
    case let .rows(groups):
        guard groups > 0, heads % groups == 0, weight.shape[0] == groups * d else {
            throw .shapeMismatch(op: "perHeadProducts", lhs: x.shape, rhs: weight.shape)
        }
        n = weight.shape[1]
    case .columns:
        guard weight.shape[1] == heads * d else { throw .shapeMismatch(op: "perHeadProducts", lhs: x.shape, rhs: weight.shape) }
        n = weight.shape[0]
    }
    return Tensor.uninitialized([heads, r, n]) { out in
        x.storage.withUnsafeBufferPointer { px in
            weight.storage.withUnsafeBufferPointer { pw in
                for h in 0..<heads {
                    let xh = px.baseAddress! + h * d, oh = out.baseAddress! + h * r * n
                    switch blocks {
                    case let .rows(groups):
                        sgemm(xh, transposeA: false, lda: heads * d, pw.baseAddress! + (h / (heads / groups)) * d * n,
                              transposeB: false, oh, m: r, n: n, k: d)
                    case .columns:
                        sgemm(xh, transposeA: false, lda: heads * d, pw.baseAddress! + h * d, transposeB: true, ldb: heads * d,
                              oh, m: r, n: n, k: d)
                    }
                }
            }
        }
    }
}

/// Products of the first `leadingRows` rows of a [U, K] with every row of each block
/// [n_i, K]: → [leadingRows, Σ n_i], block i's columns after block i−1's. Edge scores of one
/// layer's destinations read only the sources upstream of them (a prefix of the source
/// order), so the prefix is read in place rather than sliced out. Not recorded on a tape.
public func leadingRowProducts(_ a: Tensor, leadingRows: Int, _ blocks: [Tensor]) throws(TensorError) -> Tensor {
    guard a.rank == 2, leadingRows >= 0, leadingRows <= a.shape[0] else {
        throw .invalidArgument(op: "leadingRowProducts", message: "\(leadingRows) leading rows of \(a.shape)")
    }
    let k = a.shape[1]
    for block in blocks where block.rank != 2 || block.shape[1] != k {
        throw .shapeMismatch(op: "leadingRowProducts", lhs: a.shape, rhs: block.shape)
    }
    let columns = blocks.reduce(0) { $0 + $1.shape[0] }
    if leadingRows == 0 || columns == 0 || k == 0 { return .zeros([leadingRows, columns]) }
    return Tensor.uninitialized([leadingRows, columns]) { out in
        var offset = 0
        a.storage.withUnsafeBufferPointer { pa in
            for block in blocks {
                block.storage.withUnsafeBufferPointer { pb in
                    sgemm(pa.baseAddress!, transposeA: false, pb.baseAddress!, transposeB: true,
                          out.baseAddress! + offset, ldc: columns, m: leadingRows, n: block.shape[0], k: k)
                }
                offset += block.shape[0]
            }
        }
    }
}
