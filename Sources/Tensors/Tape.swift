import Synchronization

/// A reverse-mode autodiff tape.
///
/// Operations record themselves when any input is recorded on a tape; a tensor
/// starts being recorded through `watch`. So gradient work happens only along
/// paths from watched tensors: watch activations alone and no weight gradient
/// is ever computed (attribution); watch parameters too and training works.
///
/// A tape is meant to be filled from one thread at a time; the lock only makes
/// sharing a tape reference between tensors safe under strict concurrency.
public final class Tape: Sendable {
    struct Node: Sendable {
        let op: Op
        /// Tape index of each input, or nil for an input that needs no gradient.
        let inputs: [Int?]
        let shape: [Int]
    }

    private let nodes = Mutex<[Node]>([])

    public init() {}

    /// Number of recorded values (watched tensors and op outputs).
    public var count: Int { nodes.withLock { $0.count } }

    /// Starts recording `tensor`: gradients can now be asked for it and for
    /// everything computed from it. A tensor already on this tape is returned as is.
    public func watch(_ tensor: Tensor) -> Tensor {
        if let entry = tensor.entry, entry.tape === self { return tensor }
        var out = tensor.detached()
        out.entry = TapeEntry(tape: self, index: append(Node(op: .leaf, inputs: [], shape: tensor.shape)))
        return out
    }

    /// Gives `tensor` a tape entry of its own: a new leaf when it is not on this tape,
    /// or an identity node after its current entry. Gradients asked for the result
    /// are those flowing through this use of the value only.
    func mark(_ tensor: Tensor) throws(TensorError) -> Tensor {
        guard let entry = tensor.entry, entry.tape === self else { return watch(tensor) }
        return try Tape.record(.identity, inputs: [tensor], output: tensor.detached())
    }

    private func append(_ node: Node) -> Int {
        nodes.withLock { nodes in
            nodes.append(node)
            return nodes.count - 1
        }
    }

    /// Records `output = op(inputs)` if any input is on a tape, and returns the
    /// output carrying its entry. With no recorded input it returns `output`
    /// untouched: inference pays nothing.
    static func record(_ op: @autoclosure () -> Op, inputs: [Tensor], output: Tensor) throws(TensorError) -> Tensor {
        var tape: Tape?
        for input in inputs {
            guard let entry = input.entry else { continue }
            if let tape, tape !== entry.tape { throw .differentTapes(op: op().name) }
            tape = entry.tape
        }
        guard let tape else { return output }
        var out = output
        let node = Node(op: op(), inputs: inputs.map { $0.entry?.index }, shape: output.shape)
        out.entry = TapeEntry(tape: tape, index: tape.append(node))
        return out
    }

    /// Runs the reverse pass once from a one-element tensor and returns the
    /// gradient of that scalar with respect to every recorded value that it depends on.
    public func backward(from scalar: Tensor) throws(TensorError) -> Gradients {
        guard let entry = scalar.entry, entry.tape === self else { throw .notRecorded(op: "backward") }
        guard scalar.count == 1 else { throw .notScalar(op: "backward", shape: scalar.shape) }
        let nodes = self.nodes.withLock { $0 }
        var grads = [Tensor?](repeating: nil, count: nodes.count)
        grads[entry.index] = .filled(scalar.shape, with: 1)
        for index in stride(from: entry.index, through: 0, by: -1) {
            guard let upstream = grads[index] else { continue }
            let node = nodes[index]
            if node.inputs.allSatisfy({ $0 == nil }) { continue }
            let needs = node.inputs.map { $0 != nil }
            let inputGrads = try GradientRules.backward(node.op, upstream: upstream, needs: needs)
            for (slot, target) in node.inputs.enumerated() {
                guard let target, let grad = inputGrads[slot] else { continue }
                if let existing = grads[target] {
                    grads[target] = existing.adding(grad)
                } else {
                    grads[target] = grad
                }
            }
            // Intermediate gradients are kept: attribution reads them at hook points.
        }
        return Gradients(tape: self, grads: grads)
    }
}

/// A tensor's place on a tape.
struct TapeEntry: Sendable {
    let tape: Tape
    let index: Int
}

/// Gradients from one reverse pass, looked up by the recorded tensor.
public struct Gradients: Sendable {
    let tape: Tape
    let grads: [Tensor?]

    /// The gradient with respect to `tensor`, zeros when the output does not depend on it.
    public subscript(_ tensor: Tensor) -> Tensor {
        get throws(TensorError) {
            guard let entry = tensor.entry, entry.tape === tape, entry.index < grads.count else {
                throw .notRecorded(op: "Gradients")
            }
            return grads[entry.index] ?? .zeros(tensor.shape)
        }
    }

    /// True when the output depends on `tensor` through some recorded path.
    public func reaches(_ tensor: Tensor) -> Bool {
        guard let entry = tensor.entry, entry.tape === tape, entry.index < grads.count else { return false }
        return grads[entry.index] != nil
    }
}

extension Tensor {
    /// Same-shape elementwise sum with no recording, for gradient accumulation.
    func adding(_ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "gradient accumulation \(shape) vs \(other.shape)")
        var out = self.detached()
        out.storage.withUnsafeMutableBufferPointer { o in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<o.count { o[i] += b[i] }
            }
        }
        return out
    }
}
