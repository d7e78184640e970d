import Foundation
import Tensors

/// AdamW with PyTorch's semantics (`torch.optim.AdamW`, single-tensor path): decoupled weight
/// decay `θ ← θ·(1 − lr·λ)` before the moment update, bias-corrected moments, and ε added
/// outside the square root: `θ ← θ − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)`.
/// Float32 arithmetic in PyTorch's order, so one step matches torch's to rounding
/// (checked against `fixtures/training/adamw_step.json`).
public struct AdamW: Sendable, Equatable {
    public struct Hyperparameters: Codable, Sendable, Equatable {
        public var beta1: Double
        public var beta2: Double
        public var eps: Double
        public var weightDecay: Double

        public init(beta1: Double = 0.9, beta2: Double = 0.98, eps: Double = 1e-8, weightDecay: Double = 0.1) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
        }

        enum CodingKeys: String, CodingKey {
            case beta1, beta2, eps
            case weightDecay = "weight_decay"
        }
    }

    public let hyperparameters: Hyperparameters
    /// Updates taken so far (PyTorch's `state["step"]`).
    public private(set) var step: Int
    /// First and second moments by parameter name (`exp_avg`, `exp_avg_sq`).
    public private(set) var firstMoments: [String: [Float]]
    public private(set) var secondMoments: [String: [Float]]

    public init(hyperparameters: Hyperparameters) {
        self.hyperparameters = hyperparameters
        step = 0
        firstMoments = [:]
        secondMoments = [:]
    }

    /// Restores a saved state (moments by parameter name, taken `step` updates).
    public init(hyperparameters: Hyperparameters, step: Int, firstMoments: [String: [Float]], secondMoments: [String: [Float]]) {
        self.hyperparameters = hyperparameters
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    /// One update of every parameter in `parameters` from `gradients` (same names and shapes) at
    /// learning rate `lr`. Names in `decayed` get weight decay (matrices and embeddings in training;
    /// biases and norm scales do not, as in GPT-2 and nanoGPT practice).
    public mutating func update(
        _ parameters: inout [String: Tensor], gradients: [String: Tensor], lr: Double, decayed: Set<String>
    ) throws(TensorError) {
        step += 1
        let (b1, b2) = (hyperparameters.beta1, hyperparameters.beta2)
        // As torch: the scalars are computed in double, then applied to Float32 tensors.
        let stepSize = Float(lr / (1 - pow(b1, Double(step))))
        let correction2Root = Float((1 - pow(b2, Double(step))).squareRoot())
        let decay = Float(1 - lr * hyperparameters.weightDecay)
        let (beta1Complement, beta2f, beta2Complement) = (Float(1 - b1), Float(b2), Float(1 - b2))
        let eps = Float(hyperparameters.eps)

        for name in parameters.keys.sorted() {
            guard let gradient = gradients[name] else { throw .invalidArgument(op: "AdamW", message: "no gradient for \(name)") }
            guard gradient.shape == parameters[name]!.shape else {
                throw .shapeMismatch(op: "AdamW \(name)", lhs: parameters[name]!.shape, rhs: gradient.shape)
            }
            let g = gradient.storage
            var p = parameters[name]!.storage
            var m = firstMoments[name] ?? [Float](repeating: 0, count: g.count)
            var v = secondMoments[name] ?? [Float](repeating: 0, count: g.count)
            let decays = decayed.contains(name) && hyperparameters.weightDecay != 0
            for i in 0..<g.count {
                if decays { p[i] *= decay }
                m[i] += beta1Complement * (g[i] - m[i])          // exp_avg.lerp_(grad, 1 − β₁)
                v[i] = v[i] * beta2f + beta2Complement * g[i] * g[i]  // exp_avg_sq.mul_(β₂).addcmul_(grad, grad, 1 − β₂)
                let denominator = v[i].squareRoot() / correction2Root + eps
                p[i] += -stepSize * (m[i] / denominator)
            }
            parameters[name] = try Tensor(shape: gradient.shape, storage: p)
            firstMoments[name] = m
            secondMoments[name] = v
        }
    }
}
