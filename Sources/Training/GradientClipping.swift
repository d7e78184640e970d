import Tensors

/// Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_`: when the L2 norm over all
/// gradients exceeds `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6).
/// Returns the norm before clipping (what the progress line and trainer state report).
public func clipGradientNorm(_ gradients: inout [String: Tensor], maxNorm: Double) throws(TensorError) -> Double {
    var sumOfSquares = 0.0
    for name in gradients.keys.sorted() {
        for g in gradients[name]!.storage { sumOfSquares += Double(g) * Double(g) }
    }
    let norm = sumOfSquares.squareRoot()
    let coefficient = maxNorm / (norm + 1e-6)
    guard maxNorm > 0, coefficient < 1 else { return norm }
    let scale = Float(coefficient)
    for name in gradients.keys.sorted() {
        let g = gradients[name]!
        gradients[name] = try Tensor(shape: g.shape, storage: g.storage.map { $0 * scale })
    }
    return norm
}
