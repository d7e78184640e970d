// LayerNorm (with and without bias) and RMSNorm over the last axis.

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
        let d = x.shape.last!, rows = x.count / max(d, 1)
        var stats = [Float](repeating: 0, count: 2 * rows)
        let bias = b?.storage ?? [Float](repeating: 0, count: d)
        let y = Tensor.uninitialized(x.shape) { py in
            x.storage.withUnsafeBufferPointer { px in
                w.storage.withUnsafeBufferPointer { pw in
                  bias.withUnsafeBufferPointer { pb in
                    for r in 0..<rows {
                        let row = px.baseAddress! + r * d, out = py.baseAddress! + r * d
                        var mean: Float = 0
                        for i in 0..<d { mean += row[i] }
                        mean /= Float(d)
                        var variance: Float = 0
                        for i in 0..<d { let c = row[i] - mean; variance += c * c }
                        variance /= Float(d)
                        let rstd = 1 / (variance + eps).squareRoot()
                        for i in 0..<d { out[i] = (row[i] - mean) * rstd * pw[i] + pb[i] }
                        stats[2 * r] = mean
                        stats[2 * r + 1] = rstd
                    }
                  }
                }
            }
        }
        return (y, stats)
    }

    /// dy: [..., D]. With x̂ = (x − μ)·r and g = dy ⊙ w:
    ///   dx = r · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  dw = Σ_rows dy ⊙ x̂,  db = Σ_rows dy.
    static func layerNormBackward(_ dy: Tensor, x: Tensor, w: Tensor, stats: [Float], needs: [Bool]) -> [Tensor?] {
        let d = x.shape.last!, rows = x.count / max(d, 1)
        let wantBias = needs.count > 2 && needs[2]
        var dx = [Float](repeating: 0, count: needs[0] ? x.count : 0)
        var dw = [Float](repeating: 0, count: d), db = [Float](repeating: 0, count: d)
        x.storage.withUnsafeBufferPointer { px in
            dy.storage.withUnsafeBufferPointer { pdy in
                w.storage.withUnsafeBufferPointer { pw in
                    for r in 0..<rows {
                        let row = px.baseAddress! + r * d, g = pdy.baseAddress! + r * d
                        let mean = stats[2 * r], rstd = stats[2 * r + 1]
                        if needs[1] { for i in 0..<d { dw[i] += g[i] * (row[i] - mean) * rstd } }
                        if wantBias { for i in 0..<d { db[i] += g[i] } }
                        guard needs[0] else { continue }
                        var meanG: Float = 0, meanGX: Float = 0
                        for i in 0..<d {
                            let gi = g[i] * pw[i]
                            meanG += gi
                            meanGX += gi * (row[i] - mean) * rstd
                        }
                        meanG /= Float(d); meanGX /= Float(d)
                        for i in 0..<d {
                            let xhat = (row[i] - mean) * rstd
                            dx[r * d + i] = rstd * (g[i] * pw[i] - meanG - xhat * meanGX)
                        }
                    }
                }
            }
        }
        var grads: [Tensor?] = [needs[0] ? Tensor(uncheckedShape: x.shape, storage: dx) : nil,
                                needs[1] ? Tensor(uncheckedShape: [d], storage: dw) : nil]
        if needs.count > 2 { grads.append(wantBias ? Tensor(uncheckedShape: [d], storage: db) : nil) }
        return grads
    }

    /// Per-row 1/rms saved by the forward pass.
    static func rmsNorm(_ x: Tensor, _ w: Tensor, _ eps: Float) -> (Tensor, [Float]) {
        let d = x.shape.last!, rows = x.count / max(d, 1)
        var rstds = [Float](repeating: 0, count: rows)
        let y = Tensor.uninitialized(x.shape) { py in
            x.storage.withUnsafeBufferPointer { px in
                w.storage.withUnsafeBufferPointer { pw in
                    for r in 0..<rows {
                        let row = px.baseAddress! + r * d, out = py.baseAddress! + r * d
                        var ms: Float = 0
                        for i in 0..<d { ms += row[i] * row[i] }
                        let rstd = 1 / (ms / Float(d) + eps).squareRoot()
                        // Same order as transformers: normalise first, then scale by the weight.
                        for i in 0..<d { out[i] = pw[i] * (row[i] * rstd) }
                        rstds[r] = rstd
                    }
                }
            }
        }
        return (y, rstds)
    }

    /// dy: [..., D]. With x̂ = x·r and g = dy ⊙ w:  dx = r · (g − x̂ · mean(g ⊙ x̂)),  dw = Σ_rows dy ⊙ x̂.
    static func rmsNormBackward(_ dy: Tensor, x: Tensor, w: Tensor, rstd: [Float], needs: [Bool]) -> [Tensor?] {
        let d = x.shape.last!, rows = x.count / max(d, 1)
        var dx = [Float](repeating: 0, count: needs[0] ? x.count : 0)
        var dw = [Float](repeating: 0, count: d)
        x.storage.withUnsafeBufferPointer { px in
            dy.storage.withUnsafeBufferPointer { pdy in
                w.storage.withUnsafeBufferPointer { pw in
                    for r in 0..<rows {
                        let row = px.baseAddress! + r * d, g = pdy.baseAddress! + r * d, rs = rstd[r]
                        if needs[1] { for i in 0..<d { dw[i] += g[i] * row[i] * rs } }
                        guard needs[0] else { continue }
                        var meanGX: Float = 0
                        for i in 0..<d { meanGX += g[i] * pw[i] * row[i] * rs }
                        meanGX /= Float(d)
                        for i in 0..<d { dx[r * d + i] = rs * (g[i] * pw[i] - row[i] * rs * meanGX) }
                    }
                }
            }
        }
        return [needs[0] ? Tensor(uncheckedShape: x.shape, storage: dx) : nil,
                needs[1] ? Tensor(uncheckedShape: [d], storage: dw) : nil]
    }
}
