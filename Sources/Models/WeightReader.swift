import Tensors

/// Reads a model's tensors by checkpoint name under one prefix, checking each shape
/// before converting any data. Errors name the file and the tensor.
struct WeightReader {
    let source: any TensorSource
    let prefix: String

    func callAsFunction(_ name: String, _ shape: [Int]) throws(CheckpointError) -> Tensor {
        try source.tensor(prefix + name, shape: shape)
    }

    /// A tensor the config says is there (`present`), or nil when it says it is not.
    func when(_ present: Bool, _ name: String, _ shape: [Int]) throws(CheckpointError) -> Tensor? {
        present ? try callAsFunction(name, shape) : nil
    }
}

/// A GELU variant named by `hidden_act` / `activation_function`, or nil when it is not one.
func geluApproximation(named name: String) -> GELUApproximation? {
    switch name {
    case "gelu", "gelu_python": .erf
    case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": .tanh
    default: nil
    }
}
