/// Every differentiable operation the tape can record, with what its backward needs.
/// Saved tensors are detached (no tape entry), so the tape holds no reference cycle.
enum Op: Sendable {
    /// A watched tensor: gradients stop here.
    case leaf

    var name: String {
        switch self {
        case .leaf: return "leaf"
        }
    }
}
