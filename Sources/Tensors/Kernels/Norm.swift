// LayerNorm (with and without bias) and RMSNorm over the last axis.
//
// RMSNorm is LayerNorm without centring (μ = 0) and without bias, so both share one
// forward and one backward. Rows are split across cores; each row is reduced with
// SIMD accumulators in an order fixed by its length, so results do not depend on the split.

/// LayerNorm: y = (x − μ)/√(σ² + ε) · w (+ b). x: [..., D], weight: [D], bias: [D] → [..., D].
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float) throws(TensorError) -> Tensor {
    guard let d = x.shape.last, weight.shape == [d] else { throw .shapeMismatch(op: "layerNorm", lhs: x.shape, rhs: weight.shape) }
    if let bias, bias.shape != [d] { throw .shapeMismatch(op: "layerNorm bias", lhs: x.shape, rhs: bias.shape) }
    let (y, stats) = NormKernel.layerNorm(x, weight, bias, eps)
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return try Tape.record(.layerNorm(x: x.detached(), weight: weight.detached(), stats: stats), inputs: inputs, output: y)
}

/// RMSNorm (Llama): y = x / √(mean(x²) + ε) · w. x: [..., D], weight: [D] → [..., D].
public func rmsNorm(_ x: Tensor, weight: Tensor, eps: Float) throws(TensorError) -> Tensor {
    guard let d = x.shape.last, weight.shape == [d] else { throw .shapeMismatch(op: "rmsNorm", lhs: x.shape, rhs: weight.shape) }
    let (y, rstd) = NormKernel.rmsNorm(x, weight, eps)
    return try Tape.record(.rmsNorm(x: x.detached(), weight: weight.detached(), rstd: rstd), inputs: [x, weight], output: y)
}

enum NormKernel {
    /// Per-row mean and 1/std saved by the forward pass, interleaved [μ₀, r₀, μ₁, r₁, …].
    static func layerNorm(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ eps: Float) -> (Tensor, [Float]) {
        normalize(x, w, b, eps, centered: true)
    }

    /// dy: [..., D]. With x̂ = (x − μ)·r and g = dy ⊙ w:
    ///   dx = r · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  dw = Σ_rows dy ⊙ x̂,  db = Σ_rows dy.
    static func layerNormBackward(_ dy: Tensor, x: Tensor, w: Tensor, stats: [Float], needs: [Bool]) -> [Tensor?] {
        normalizeBackward(dy, x: x, w: w, stats: stats, centered: true, needs: needs)
    }

    /// Per-row 1/rms saved by the forward pass.
    static func rmsNorm(_ x: Tensor, _ w: Tensor, _ eps: Float) -> (Tensor, [Float]) {
        normalize(x, w, nil, eps, centered: false)
    }

    /// dy: [..., D]. With x̂ = x·r and g = dy ⊙ w:  dx = r · (g − x̂ · mean(g ⊙ x̂)),  dw = Σ_rows dy ⊙ x̂.
    static func rmsNormBackward(_ dy: Tensor, x: Tensor, w: Tensor, rstd: [Float], needs: [Bool]) -> [Tensor?] {
        normalizeBackward(dy, x: x, w: w, stats: rstd, centered: false, needs: needs)
    }

    /// y = (x − μ)·r·w + b per row, r = 1/√(mean((x − μ)²) + ε); μ = mean(x) when
    /// `centered`, else 0 (RMSNorm: y = (x·r)·w, the order transformers uses).
    /// Returns y and the saved statistics: [μ, r] per row when centered, else [r].
    private static func normalize(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ eps: Float, centered: Bool) -> (Tensor, [Float]) {
        let d = x.shape.last!, rows = x.count / max(d, 1), perRow = centered ? 2 : 1
        let bias = b?.storage ?? [Float](repeating: 0, count: d)
        var stats = [Float](repeating: 0, count: perRow * rows)
        let y = Tensor.uninitialized(x.shape) { py in
            x.storage.withUnsafeBufferPointer { px in
                w.storage.withUnsafeBufferPointer { pw in
                  bias.withUnsafeBufferPointer { pb in
                    stats.withUnsafeMutableBufferPointer { ps in
                        nonisolated(unsafe) let (src, dst, weight, shift) = (px.baseAddress!, py.baseAddress!, pw.baseAddress!, pb.baseAddress!)
                        nonisolated(unsafe) let saved = ps.baseAddress!
                        parallelChunks(rows, minimumChunk: minimumRows(rowLength: d)) { range in
                            for r in range {
                                let row = src + r * d, out = dst + r * d
                                // Two passes over the row (it stays in L1): the mean, then the squared
                                // deviations from it, which avoids the cancellation of E[x²] − μ².
                                let mean = centered ? sumChunks(d) { row.vector(at: $0, end: d) } / Float(d) : 0
                                let variance = sumChunks(d) { i in
                                    let centred = row.vector(at: i, end: d, padding: mean) - mean
                                    return centred * centred
                                } / Float(d)
                                let rstd = 1 / (variance + eps).squareRoot()
                                forEachChunk(d) { i in
                                    let normalized = (row.vector(at: i, end: d) - mean) * rstd
                                    out.storeVector(normalized * weight.vector(at: i, end: d) + shift.vector(at: i, end: d), at: i, end: d)
                                }
                                if centered { saved[2 * r] = mean }
                                saved[perRow * r + perRow - 1] = rstd
                            }
                        }
                    }
                  }
                }
            }
        }
        return (y, stats)
    }

    /// dx of one row: rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) with g = dy ⊙ w (mean(g) only when
    /// centred). Σ g and Σ g ⊙ x̂ are taken together; padding lanes have g = 0.
    @inline(__always)
    static func rowInputGradient(_ dx: UnsafeMutablePointer<Float>, upstream g: UnsafePointer<Float>,
                                 row: UnsafePointer<Float>, weight: UnsafePointer<Float>, d: Int,
                                 mean: Float, rstd: Float, centered: Bool) {
        let (sumG, sumGX) = sumChunkPairs(d) { i in
            let gi = g.vector(at: i, end: d) * weight.vector(at: i, end: d)
            return (gi, gi * ((row.vector(at: i, end: d) - mean) * rstd))
        }
        let meanG = centered ? sumG / Float(d) : 0, meanGX = sumGX / Float(d)
        forEachChunk(d) { i in
            let gi = g.vector(at: i, end: d) * weight.vector(at: i, end: d)
            let xhat = (row.vector(at: i, end: d) - mean) * rstd
            dx.storeVector(rstd * (gi - meanG - xhat * meanGX), at: i, end: d)
        }
    }

    /// Backward of `normalize`: one pass over each row for the two reductions, one writing dx.
    /// dw and db are summed per chunk of rows, then the chunks are added in order.
    private static func normalizeBackward(_ dy: Tensor, x: Tensor, w: Tensor, stats: [Float], centered: Bool,
                                          needs: [Bool]) -> [Tensor?] {
        let d = x.shape.last!, rows = x.count / max(d, 1), perRow = centered ? 2 : 1
        let wantX = needs[0], wantWeight = needs[1], wantBias = needs.count > 2 && needs[2]
        let minimumChunk = minimumRows(rowLength: d)
        let chunks = parallelChunkCount(rows, minimumChunk: minimumChunk)
        // Per chunk: dw partial sums [0, d), then db partial sums [d, 2d).
        var partials = [Float](repeating: 0, count: wantWeight || wantBias ? chunks * 2 * d : 0)
        let dx = [Float](unsafeUninitializedCapacity: wantX ? x.count : 0) { pdx, initialized in
            x.storage.withUnsafeBufferPointer { px in
                dy.storage.withUnsafeBufferPointer { pdy in
                  w.storage.withUnsafeBufferPointer { pw in
                    stats.withUnsafeBufferPointer { ps in
                      partials.withUnsafeMutableBufferPointer { pp in
                        nonisolated(unsafe) let (src, upstream, weight, saved) = (px.baseAddress!, pdy.baseAddress!, pw.baseAddress!, ps.baseAddress!)
                        // (An empty array's buffer may still have a base address: test the flags.)
                        nonisolated(unsafe) let out = wantX ? pdx.baseAddress : nil
                        nonisolated(unsafe) let partial = wantWeight || wantBias ? pp.baseAddress : nil
                        parallelChunks(rows, minimumChunk: minimumChunk) { chunk, range in
                            for r in range {
                                let row = src + r * d, g = upstream + r * d
                                let mean = centered ? saved[2 * r] : 0, rstd = saved[perRow * r + perRow - 1]
                                if let partial {
                                    let dw = partial + chunk * 2 * d, db = dw + d
                                    forEachChunk(d) { i in
                                        let dyi = g.vector(at: i, end: d), xhat = (row.vector(at: i, end: d) - mean) * rstd
                                        dw.storeVector(dw.vector(at: i, end: d) + dyi * xhat, at: i, end: d)
                                        db.storeVector(db.vector(at: i, end: d) + dyi, at: i, end: d)
                                    }
                                }
                                guard let out else { continue }
                                NormKernel.rowInputGradient(out + r * d, upstream: g, row: row, weight: weight, d: d,
                                                            mean: mean, rstd: rstd, centered: centered)
                            }
                        }
                      }
                    }
                  }
                }
            }
            initialized = wantX ? x.count : 0
        }
        // Chunk partials added in chunk order: deterministic for a given core count.
        var dw = [Float](repeating: 0, count: d), db = [Float](repeating: 0, count: d)
        for chunk in 0..<(partials.isEmpty ? 0 : chunks) {
            for j in 0..<d {
                dw[j] += partials[chunk * 2 * d + j]
                db[j] += partials[chunk * 2 * d + d + j]
            }
        }
        var grads: [Tensor?] = [wantX ? Tensor(uncheckedShape: x.shape, storage: dx) : nil,
                                wantWeight ? Tensor(uncheckedShape: [d], storage: dw) : nil]
        if needs.count > 2 { grads.append(wantBias ? Tensor(uncheckedShape: [d], storage: db) : nil) }
        return grads
    }
}

// MARK: - input gradients of copies sharing one input

extension Tensor {
    /// ∂/∂x of LayerNorm (`centered`) or RMSNorm, in place, for copies that all read the same
    /// input x [R, D]: each of rows `rows` of this [rows, R·D] matrix is one copy's upstream
    /// gradient [R, D] and becomes that copy's input gradient. This is the gradient at each
    /// head's own copy of the residual when every head normalises that copy itself (split
    /// attention inputs), computed without making the copies; the row statistics are
    /// recomputed once from x. Edge attribution turns the heads' q/k/v projection gradients
    /// into residual gradients this way, inside the buffer it multiplies. Not recorded on a tape.
    public mutating func applyNormInputGradients(rows: Range<Int>, input x: Tensor, weight: Tensor, eps: Float,
                                                 centered: Bool) throws(TensorError) {
        guard x.rank == 2, let d = x.shape.last, weight.shape == [d], rank == 2, shape[1] == x.count,
              rows.lowerBound >= 0, rows.upperBound <= shape[0] else {
            throw .shapeMismatch(op: "applyNormInputGradients", lhs: shape, rhs: x.shape)
        }
        if rows.isEmpty || x.count == 0 { return }
        entry = nil
        let (inputRows, copies) = (x.shape[0], rows.count)
        let (_, stats) = centered ? NormKernel.layerNorm(x, weight, nil, eps) : NormKernel.rmsNorm(x, weight, eps)
        let perRow = centered ? 2 : 1
        let offset = rows.lowerBound * shape[1]
        storage.withUnsafeMutableBufferPointer { p in
            x.storage.withUnsafeBufferPointer { px in
                weight.storage.withUnsafeBufferPointer { pw in
                    stats.withUnsafeBufferPointer { ps in
                        nonisolated(unsafe) let (g, src, w, saved) = (p.baseAddress! + offset, px.baseAddress!, pw.baseAddress!, ps.baseAddress!)
                        // Row i of the copies reads row i mod R of x: each copy is [R, D] laid end to end.
                        parallelChunks(copies * inputRows, minimumChunk: minimumRows(rowLength: d)) { range in
                            for i in range {
                                let r = i % inputRows
                                let mean = centered ? saved[2 * r] : 0, rstd = saved[perRow * r + perRow - 1]
                                // The tape's norm backward, row for row (each row is read before it is written).
                                NormKernel.rowInputGradient(g + i * d, upstream: g + i * d, row: src + r * d, weight: w,
                                                            d: d, mean: mean, rstd: rstd, centered: centered)
                            }
                        }
                    }
                }
            }
        }
    }
}
