// Dense products: matmul (four transpose combinations, batched) and linear
// layers in both checkpoint layouts. Every product goes to BLAS.

/// How a linear layer's weight is stored in a checkpoint.
public enum WeightLayout: Sendable, Equatable {
    /// PyTorch `nn.Linear`: weight `[out, in]`, `y = x · Wᵀ`.
    case outIn
    /// GPT-2 `Conv1D`: weight `[in, out]`, `y = x · W`.
    case inOut
}

// MARK: - matmul

/// `op(a) · op(b)` for 2-D operands, or batched over a shared leading axis for 3-D ones.
/// a: [M,K] ([K,M] if transposeA), b: [K,N] ([N,K] if transposeB) → [M,N];
/// batched: a: [B,M,K], b: [B,K,N] → [B,M,N].
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws(TensorError) -> Tensor {
    let dims = try MatmulKernel.dims(a.shape, b.shape, transposeA, transposeB)
    let out = MatmulKernel.forward(a, b, transposeA, transposeB, dims)
    return try Tape.record(.matmul(a: a.detached(), b: b.detached(), transposeA: transposeA, transposeB: transposeB, dims: dims),
                           inputs: [a, b], output: out)
}

enum MatmulKernel {
    struct Dims: Sendable { let batch: Int, m: Int, n: Int, k: Int, batched: Bool }

    static func dims(_ a: [Int], _ b: [Int], _ tA: Bool, _ tB: Bool) throws(TensorError) -> Dims {
        let op = "matmul"
        guard a.count == b.count, a.count == 2 || a.count == 3 else {
            throw .shapeMismatch(op: op, lhs: a, rhs: b)
        }
        let batched = a.count == 3
        if batched && a[0] != b[0] { throw .shapeMismatch(op: op, lhs: a, rhs: b) }
        let (ar, ac) = (a[a.count - 2], a[a.count - 1])
        let (br, bc) = (b[b.count - 2], b[b.count - 1])
        let (m, ka) = tA ? (ac, ar) : (ar, ac)
        let (kb, n) = tB ? (bc, br) : (br, bc)
        guard ka == kb else { throw .shapeMismatch(op: op, lhs: a, rhs: b) }
        return Dims(batch: batched ? a[0] : 1, m: m, n: n, k: ka, batched: batched)
    }

    static func forward(_ a: Tensor, _ b: Tensor, _ tA: Bool, _ tB: Bool, _ d: Dims) -> Tensor {
        let shape = d.batched ? [d.batch, d.m, d.n] : [d.m, d.n]
        return Tensor.uninitialized(shape) { c in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    for i in 0..<d.batch {
                        sgemm(pa.baseAddress! + i * d.m * d.k, transposeA: tA,
                              pb.baseAddress! + i * d.k * d.n, transposeB: tB,
                              c.baseAddress! + i * d.m * d.n, m: d.m, n: d.n, k: d.k)
                    }
                }
            }
        }
    }

    /// dC: [(B,)M,N]. With C = op(A)·op(B):
    ///   d op(A) = dC · op(B)ᵀ  → stored A gets it transposed back when tA;
    ///   d op(B) = op(A)ᵀ · dC  → likewise for B.
    static func backward(_ dc: Tensor, a: Tensor, b: Tensor, _ tA: Bool, _ tB: Bool, _ d: Dims, needs: [Bool]) -> [Tensor?] {
        var da: Tensor?
        var db: Tensor?
        dc.storage.withUnsafeBufferPointer { pdc in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    if needs[0] {
                        da = Tensor.uninitialized(a.shape) { out in
                            for i in 0..<d.batch {
                                let g = pdc.baseAddress! + i * d.m * d.n, bb = pb.baseAddress! + i * d.k * d.n
                                let o = out.baseAddress! + i * d.m * d.k
                                if !tA {  // dA[M,K] = dC[M,N] · op(B)ᵀ
                                    sgemm(g, transposeA: false, bb, transposeB: !tB, o, m: d.m, n: d.k, k: d.n)
                                } else {  // dA[K,M] = op(B)[K,N] · dCᵀ
                                    sgemm(bb, transposeA: tB, g, transposeB: true, o, m: d.k, n: d.m, k: d.n)
                                }
                            }
                        }
                    }
                    if needs[1] {
                        db = Tensor.uninitialized(b.shape) { out in
                            for i in 0..<d.batch {
                                let g = pdc.baseAddress! + i * d.m * d.n, aa = pa.baseAddress! + i * d.m * d.k
                                let o = out.baseAddress! + i * d.k * d.n
                                if !tB {  // dB[K,N] = op(A)ᵀ · dC
                                    sgemm(aa, transposeA: !tA, g, transposeB: false, o, m: d.k, n: d.n, k: d.m)
                                } else {  // dB[N,K] = dCᵀ · op(A)
                                    sgemm(g, transposeA: true, aa, transposeB: tA, o, m: d.n, n: d.k, k: d.m)
                                }
                            }
                        }
                    }
                }
            }
        }
        return [da, db]
    }
}

// MARK: - linear

/// `x · W (+ bias)` over the last axis of x.
/// x: [..., in], weight: [out, in] (`.outIn`) or [in, out] (`.inOut`), bias: [out] → [..., out].
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, layout: WeightLayout) throws(TensorError) -> Tensor {
    guard let inFeatures = x.shape.last, weight.rank == 2 else {
        throw .shapeMismatch(op: "linear", lhs: x.shape, rhs: weight.shape)
    }
    let (wIn, wOut) = layout == .outIn ? (weight.shape[1], weight.shape[0]) : (weight.shape[0], weight.shape[1])
    guard wIn == inFeatures else { throw .shapeMismatch(op: "linear", lhs: x.shape, rhs: weight.shape) }
    if let bias, bias.shape != [wOut] { throw .shapeMismatch(op: "linear bias", lhs: weight.shape, rhs: bias.shape) }
    let out = LinearKernel.forward(x, weight, bias, layout, outFeatures: wOut)
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return try Tape.record(.linear(x: x.detached(), weight: weight.detached(), layout: layout),
                           inputs: inputs, output: out)
}

enum LinearKernel {
    static func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ layout: WeightLayout, outFeatures: Int) -> Tensor {
        let inFeatures = x.shape.last!
        let rows = x.count / max(inFeatures, 1)
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        return Tensor.uninitialized(shape) { y in
            let py = y.baseAddress!
            if let bias {  // start from the bias and accumulate the product onto it
                bias.storage.withUnsafeBufferPointer { pb in
                    for r in 0..<rows { (py + r * outFeatures).update(from: pb.baseAddress!, count: outFeatures) }
                }
            }
            x.storage.withUnsafeBufferPointer { px in
                w.storage.withUnsafeBufferPointer { pw in
                    sgemm(px.baseAddress!, transposeA: false, pw.baseAddress!, transposeB: layout == .outIn,
                          py, m: rows, n: outFeatures, k: inFeatures, accumulate: bias != nil)
                }
            }
        }
    }

    /// dy: [N, out] (N = rows of x).
    ///   dx = dy · W (outIn) or dy · Wᵀ (inOut)       [N, in]
    ///   dW = dyᵀ · x (outIn) or xᵀ · dy (inOut)      weight's own layout
    ///   db = Σ_rows dy                                [out]
    static func backward(_ dy: Tensor, x: Tensor, w: Tensor, _ layout: WeightLayout, needs: [Bool]) -> [Tensor?] {
        let inFeatures = x.shape.last!, outFeatures = dy.shape.last!
        let rows = x.count / max(inFeatures, 1)
        var grads = [Tensor?](repeating: nil, count: needs.count)
        dy.storage.withUnsafeBufferPointer { pdy in
            let g = pdy.baseAddress!
            if needs[0] {
                grads[0] = w.storage.withUnsafeBufferPointer { pw in
                    Tensor.uninitialized(x.shape) { dx in
                        sgemm(g, transposeA: false, pw.baseAddress!, transposeB: layout == .inOut,
                              dx.baseAddress!, m: rows, n: inFeatures, k: outFeatures)
                    }
                }
            }
            if needs[1] {
                grads[1] = x.storage.withUnsafeBufferPointer { px in
                    Tensor.uninitialized(w.shape) { dw in
                        if layout == .outIn {
                            sgemm(g, transposeA: true, px.baseAddress!, transposeB: false,
                                  dw.baseAddress!, m: outFeatures, n: inFeatures, k: rows)
                        } else {
                            sgemm(px.baseAddress!, transposeA: true, g, transposeB: false,
                                  dw.baseAddress!, m: inFeatures, n: outFeatures, k: rows)
                        }
                    }
                }
            }
            if needs.count > 2 && needs[2] {
                grads[2] = Tensor.uninitialized([outFeatures]) { db in
                    db.update(repeating: 0)
                    for r in 0..<rows {
                        let row = g + r * outFeatures
                        for j in 0..<outFeatures { db[j] += row[j] }
                    }
                }
            }
        }
        return grads
    }
}
