import CBLAS

// Per-head products with a projection's head blocks, read in place.
//
// Edge attribution needs each head's own view of two projections: the gradient at a
// head's q/k/v input (dQ_h · W_Q,h, "virtual split": the forward runs on the shared
// input and per-head copies of the residual are never made) and a head's write into
// the residual (z_h · W_O,hᵀ). Both are H small products whose operands are column
// blocks of [R, H·D] rows and row or column blocks of the weight; BLAS reads the
// blocks through leading dimensions, so nothing is permuted or copied.
//
// Helpers for attribution, writing into the buffers it multiplies: not recorded on a tape.

/// Where a weight keeps its head blocks.
public enum HeadBlocks: Sendable, Equatable {
    /// Weight [G·D, N] (a q/k/v projection, `.outIn`): head h uses rows g(h)·D..<(g(h)+1)·D,
    /// g(h) = h / (H / G) (grouped-query attention shares a group's rows, never copied).
    case rows(groups: Int)
    /// Weight [N, H·D] (the output projection W_O, `.outIn`): head h uses columns h·D..<(h+1)·D.
    case columns
}

extension Tensor {
    /// Rows `row..<row + H` of this [rows, R·N] matrix ← the per-head products of x [R, H·D]
    /// (head h in columns h·D..<(h+1)·D), head h's [R, N] flattened into row `row + h`:
    ///   `.rows`:    x_h · W[g(h) block]      ([R, D] · [D, N])
    ///   `.columns`: x_h · W[:, h block]ᵀ     ([R, D] · [D, N])
    /// Edge attribution assembles one product operand from many layers' heads this way, without
    /// a copy per piece. Not recorded on a tape.
    public mutating func assignPerHeadProducts(_ x: Tensor, heads: Int, weight: Tensor, blocks: HeadBlocks,
                                               atRow row: Int) throws(TensorError) {
        let n = try perHeadProductWidth(x, heads: heads, weight: weight, blocks: blocks)
        guard rank == 2, shape[1] == x.shape[0] * n, row >= 0, row + heads <= shape[0] else {
            throw .invalidArgument(op: "assignPerHeadProducts",
                                   message: "\(heads) rows of \(x.shape[0] * n) at row \(row) of \(shape)")
        }
        entry = nil
        let offset = row * shape[1]
        storage.withUnsafeMutableBufferPointer { out in
            writePerHeadProducts(x, heads: heads, weight: weight, blocks: blocks, n: n, into: out.baseAddress! + offset)
        }
    }

    /// Rows `row..<row + count` of this [rows, width] matrix += the first `count` rows of `other`
    /// [≥ count, width]: sums of many runs' assembled operands.
    public mutating func addRows(_ other: Tensor, count: Int, atRow row: Int) throws(TensorError) {
        guard rank == 2, other.rank == 2, other.shape[1] == shape[1], count >= 0, count <= other.shape[0],
              row >= 0, row + count <= shape[0] else {
            throw .invalidArgument(op: "addRows", message: "\(count) rows of \(other.shape) at row \(row) of \(shape)")
        }
        entry = nil
        let (width, n) = (shape[1], count * shape[1])
        guard n > 0 else { return }
        storage.withUnsafeMutableBufferPointer { out in
            other.storage.withUnsafeBufferPointer { source in
                cblas_saxpy(Int32(n), 1, source.baseAddress!, 1, out.baseAddress! + row * width, 1)
            }
        }
    }

    /// Row `row` of this [rows, width] matrix ← `values` (any shape of `width` elements).
    public mutating func assignRow(_ row: Int, _ values: Tensor) throws(TensorError) {
        guard rank == 2, values.count == shape[1], row >= 0, row < shape[0] else {
            throw .invalidArgument(op: "assignRow", message: "\(values.shape) into row \(row) of \(shape)")
        }
        entry = nil
        storage.replaceSubrange((row * shape[1])..<((row + 1) * shape[1]), with: values.storage)
    }
}

/// N, the width of each head's product, after checking the shapes agree.
private func perHeadProductWidth(_ x: Tensor, heads: Int, weight: Tensor, blocks: HeadBlocks) throws(TensorError) -> Int {
    guard x.rank == 2, heads > 0, x.shape[1] % heads == 0, weight.rank == 2 else {
        throw .shapeMismatch(op: "perHeadProducts", lhs: x.shape, rhs: weight.shape)
    }
    let d = x.shape[1] / heads
    switch blocks {
    case let .rows(groups):
        guard groups > 0, heads % groups == 0, weight.shape[0] == groups * d else {
            throw .shapeMismatch(op: "perHeadProducts", lhs: x.shape, rhs: weight.shape)
        }
        return weight.shape[1]
    case .columns:
        guard weight.shape[1] == heads * d else { throw .shapeMismatch(op: "perHeadProducts", lhs: x.shape, rhs: weight.shape) }
        return weight.shape[0]
    }
}

/// The H products of `assignPerHeadProducts`, head h's [R, N] at out + h·R·N; heads run on
/// separate threads, each product one single-threaded BLAS call.
private func writePerHeadProducts(_ x: Tensor, heads: Int, weight: Tensor, blocks: HeadBlocks, n: Int,
                                  into out: UnsafeMutablePointer<Float>) {
    let (r, d) = (x.shape[0], x.shape[1] / heads)
    x.storage.withUnsafeBufferPointer { px in
        weight.storage.withUnsafeBufferPointer { pw in
            nonisolated(unsafe) let (x, w, out) = (px.baseAddress!, pw.baseAddress!, out)
            parallelChunks(heads, minimumChunk: 1) { range in
                for h in range {
                    let xh = x + h * d, oh = out + h * r * n
                    switch blocks {
                    case let .rows(groups):
                        sgemm(xh, transposeA: false, lda: heads * d, w + (h / (heads / groups)) * d * n,
                              transposeB: false, oh, m: r, n: n, k: d, split: false)
                    case .columns:
                        sgemm(xh, transposeA: false, lda: heads * d, w + h * d, transposeB: true, ldb: heads * d,
                              oh, m: r, n: n, k: d, split: false)
                    }
                }
            }
        }
    }
}

/// Products of the first `leadingRows` rows of a [U, K] with the first `bRows` rows of b [V, K]:
/// [leadingRows, bRows]. Edge scores of a group of layers' destinations read only the sources
/// upstream of them (a prefix of the source order), and a reused destination buffer may hold
/// fewer rows than it has room for: both prefixes are read in place. Not recorded on a tape.
public func leadingRowProducts(_ a: Tensor, leadingRows: Int, _ b: Tensor, bRows: Int) throws(TensorError) -> Tensor {
    guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
        throw .shapeMismatch(op: "leadingRowProducts", lhs: a.shape, rhs: b.shape)
    }
    guard leadingRows >= 0, leadingRows <= a.shape[0], bRows >= 0, bRows <= b.shape[0] else {
        throw .invalidArgument(op: "leadingRowProducts", message: "\(leadingRows) rows of \(a.shape) by \(bRows) rows of \(b.shape)")
    }
    let k = a.shape[1]
    if leadingRows == 0 || bRows == 0 || k == 0 { return .zeros([leadingRows, bRows]) }
    return Tensor.uninitialized([leadingRows, bRows]) { out in
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                sgemm(pa.baseAddress!, transposeA: false, pb.baseAddress!, transposeB: true, out.baseAddress!,
                      m: leadingRows, n: bRows, k: k)
            }
        }
    }
}
