/// The one table of gradient rules: for each recorded op, the gradients of its
/// inputs given the gradient of its output. `needs[i]` is false for an input that
/// is not recorded, and its gradient is not computed (no weight gradients during
/// attribution). Kernels keep forward and backward side by side; this table only
/// routes.
enum GradientRules {
    static func backward(_ op: Op, upstream: Tensor, needs: [Bool]) throws(TensorError) -> [Tensor?] {
        switch op {
        case .leaf:
            return []
        }
    }
}
