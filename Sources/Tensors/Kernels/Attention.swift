// Scaled dot-product attention per head, causal, with grouped-query attention.
//
// Split in two recorded ops around the softmax so a forward run can read or
// replace the attention pattern (`hook_pattern`) between them:
//   scores  = scale · q_h · k_g(h)ᵀ      [B, H, T, S]
//   pattern = causal softmax(scores)     [B, H, T, S]
//   z       = pattern_h · v_g(h)         [B, T, H, D]   (per-head outputs, before W_O)
// Query head h reads key/value head g(h) = h / (H / KV), as transformers' repeat_kv,
// without copying K or V. Heads are read in place with BLAS leading dimensions.

/// scores[b,h] = scale · q[b,:,h,:] · k[b,:,g(h),:]ᵀ. q: [B,T,H,D], k: [B,S,KV,D] → [B,H,T,S].
public func attentionScores(query q: Tensor, key k: Tensor, scale: Float) throws(TensorError) -> Tensor {
    let dims = try AttentionKernel.Dims(q: q.shape, kv: k.shape, op: "attentionScores")
    let out = AttentionKernel.scores(q, k, scale, dims)
    return try Tape.record(.attentionScores(q: q.detached(), k: k.detached(), scale: scale, dims: dims),
                           inputs: [q, k], output: out)
}

/// z[b,:,h,:] = pattern[b,h] · v[b,:,g(h),:]. pattern: [B,H,T,S], v: [B,S,KV,D] → [B,T,H,D].
public func attentionMix(pattern p: Tensor, value v: Tensor) throws(TensorError) -> Tensor {
    guard p.rank == 4, v.rank == 4 else { throw .shapeMismatch(op: "attentionMix", lhs: p.shape, rhs: v.shape) }
    let dims = try AttentionKernel.Dims(q: [p.shape[0], p.shape[2], p.shape[1], v.shape[3]], kv: v.shape, op: "attentionMix")
    guard p.shape[3] == dims.s else { throw .shapeMismatch(op: "attentionMix", lhs: p.shape, rhs: v.shape) }
    let out = AttentionKernel.mix(p, v, dims)
    return try Tape.record(.attentionMix(pattern: p.detached(), v: v.detached(), dims: dims), inputs: [p, v], output: out)
}

/// Causal multi-head attention with grouped-query support. q: [B,T,H,D], k, v: [B,T,KV,D] → z: [B,T,H,D].
public func causalAttention(query q: Tensor, key k: Tensor, value v: Tensor, scale: Float) throws(TensorError) -> Tensor {
    let scores = try attentionScores(query: q, key: k, scale: scale)
    return try attentionMix(pattern: softmax(scores, causal: true), value: v)
}

enum AttentionKernel {
    struct Dims: Sendable {
        let b: Int, t: Int, h: Int, d: Int, s: Int, kv: Int
        var group: Int { h / kv }

        init(q: [Int], kv k: [Int], op: String) throws(TensorError) {
            guard q.count == 4, k.count == 4, q[0] == k[0], q[3] == k[3], k[2] > 0, q[2] % k[2] == 0 else {
                throw .shapeMismatch(op: op, lhs: q, rhs: k)
            }
            (b, t, h, d, s, kv) = (q[0], q[1], q[2], q[3], k[1], k[2])
        }
    }

    static func scores(_ q: Tensor, _ k: Tensor, _ scale: Float, _ n: Dims) -> Tensor {
        Tensor.uninitialized([n.b, n.h, n.t, n.s]) { out in
            q.storage.withUnsafeBufferPointer { pq in
                k.storage.withUnsafeBufferPointer { pk in
                    nonisolated(unsafe) let (pq, pk, out) = (pq.baseAddress!, pk.baseAddress!, out.baseAddress!)
                    forEachSequenceHead(n) { b, h in
                        sgemm(pq + b * n.t * n.h * n.d + h * n.d, transposeA: false, lda: n.h * n.d,
                              pk + b * n.s * n.kv * n.d + (h / n.group) * n.d, transposeB: true, ldb: n.kv * n.d,
                              out + (b * n.h + h) * n.t * n.s, m: n.t, n: n.s, k: n.d, alpha: scale, split: false)
                    }
                }
            }
        }
    }

    /// dScores: [B,H,T,S].  dq_h = scale · dS_h · k_g  [T,D];  dk_g += scale · dS_hᵀ · q_h  [S,D].
    static func scoresBackward(_ ds: Tensor, q: Tensor, k: Tensor, scale: Float, _ n: Dims, needs: [Bool]) -> [Tensor?] {
        var dq = needs[0] ? Tensor.zeros(q.shape) : nil
        var dk = needs[1] ? Tensor.zeros(k.shape) : nil
        withMutableStorage(&dq, &dk) { pdq, pdk in
            ds.storage.withUnsafeBufferPointer { pds in
                q.storage.withUnsafeBufferPointer { pq in
                    k.storage.withUnsafeBufferPointer { pk in
                        nonisolated(unsafe) let (pds, pq, pk, pdq, pdk) = (pds.baseAddress!, pq.baseAddress!, pk.baseAddress!, pdq, pdk)
                        forEachSequenceHead(n) { b, h in
                            let g = pds + (b * n.h + h) * n.t * n.s
                            let qOffset = b * n.t * n.h * n.d + h * n.d, kOffset = b * n.s * n.kv * n.d + (h / n.group) * n.d
                            if let pdq {
                                sgemm(g, transposeA: false, pk + kOffset, transposeB: false, ldb: n.kv * n.d,
                                      pdq + qOffset, ldc: n.h * n.d, m: n.t, n: n.d, k: n.s, alpha: scale, split: false)
                            }
                            if let pdk {
                                sgemm(g, transposeA: true, pq + qOffset, transposeB: false, ldb: n.h * n.d, pdk + kOffset,
                                      ldc: n.kv * n.d, m: n.s, n: n.d, k: n.t, alpha: scale, accumulate: true, split: false)
                            }
                        }
                    }
                }
            }
        }
        return [dq, dk]
    }

    static func mix(_ p: Tensor, _ v: Tensor, _ n: Dims) -> Tensor {
        Tensor.uninitialized([n.b, n.t, n.h, n.d]) { out in
            p.storage.withUnsafeBufferPointer { pp in
                v.storage.withUnsafeBufferPointer { pv in
                    nonisolated(unsafe) let (pp, pv, out) = (pp.baseAddress!, pv.baseAddress!, out.baseAddress!)
                    forEachSequenceHead(n) { b, h in
                        sgemm(pp + (b * n.h + h) * n.t * n.s, transposeA: false,
                              pv + b * n.s * n.kv * n.d + (h / n.group) * n.d, transposeB: false, ldb: n.kv * n.d,
                              out + b * n.t * n.h * n.d + h * n.d, ldc: n.h * n.d, m: n.t, n: n.d, k: n.s, split: false)
                    }
                }
            }
        }
    }

    /// dz: [B,T,H,D].  dP_h = dz_h · v_gᵀ  [T,S];  dv_g += P_hᵀ · dz_h  [S,D].
    static func mixBackward(_ dz: Tensor, p: Tensor, v: Tensor, _ n: Dims, needs: [Bool]) -> [Tensor?] {
        var dp = needs[0] ? Tensor.zeros(p.shape) : nil
        var dv = needs[1] ? Tensor.zeros(v.shape) : nil
        withMutableStorage(&dp, &dv) { pdp, pdv in
            dz.storage.withUnsafeBufferPointer { pdz in
                p.storage.withUnsafeBufferPointer { pp in
                    v.storage.withUnsafeBufferPointer { pv in
                        nonisolated(unsafe) let (pdz, pp, pv, pdp, pdv) = (pdz.baseAddress!, pp.baseAddress!, pv.baseAddress!, pdp, pdv)
                        forEachSequenceHead(n) { b, h in
                            let g = pdz + b * n.t * n.h * n.d + h * n.d
                            let pOffset = (b * n.h + h) * n.t * n.s, vOffset = b * n.s * n.kv * n.d + (h / n.group) * n.d
                            if let pdp {
                                sgemm(g, transposeA: false, lda: n.h * n.d, pv + vOffset, transposeB: true, ldb: n.kv * n.d,
                                      pdp + pOffset, m: n.t, n: n.s, k: n.d, split: false)
                            }
                            if let pdv {
                                sgemm(pp + pOffset, transposeA: true, g, transposeB: false, ldb: n.h * n.d, pdv + vOffset,
                                      ldc: n.kv * n.d, m: n.s, n: n.d, k: n.t, accumulate: true, split: false)
                            }
                        }
                    }
                }
            }
        }
        return [dp, dv]
    }
}

/// `body` with the storage of two optional tensors (nil where there is none), for kernels that
/// fill only the gradients asked for.
private func withMutableStorage(_ first: inout Tensor?, _ second: inout Tensor?,
                                _ body: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void) {
    func storage(_ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> Void) {
        guard tensor != nil else { return body(nil) }
        tensor!.storage.withUnsafeMutableBufferPointer { body($0.baseAddress) }
    }
    storage(&first) { a in storage(&second) { b in body(a, b) } }
}

/// `body(b, h)` for every sequence b and head h: sequences on separate threads, a sequence's
/// heads in order, so the heads of a group add into their shared key or value gradient one
/// after another. Each product is one small single-threaded BLAS call.
private func forEachSequenceHead(_ n: AttentionKernel.Dims, _ body: @Sendable (_ b: Int, _ h: Int) -> Void) {
    parallelChunks(n.b, minimumChunk: 1) { range in
        for b in range {
            for h in 0..<n.h { body(b, h) }
        }
    }
}
