import Tensors

/// Where one tensor lives in a safetensors file, read from the header without touching the data.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    /// Byte range inside the file's data buffer (the bytes after the header).
    public var dataOffsets: Range<Int>
    /// The file holding the tensor.
    public var file: String

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Anything that answers "tensor by name": one safetensors file, a sharded checkpoint, a checkpoint folder.
public protocol TensorSource: Sendable {
    /// Names of every tensor, sorted.
    var tensorNames: [String] { get }
    /// Dtype, shape and location of a tensor, without converting its data.
    func info(_ name: String) throws(CheckpointError) -> TensorInfo
    /// The tensor converted to Float32.
    func tensor(_ name: String) throws(CheckpointError) -> Tensor
}

extension TensorSource {
    public func contains(_ name: String) -> Bool {
        (try? info(name)) != nil
    }

    /// The tensor, after checking (before any data is converted) that it has shape `expected`.
    public func tensor(_ name: String, shape expected: [Int]) throws(CheckpointError) -> Tensor {
        let found = try info(name)
        guard found.shape == expected else {
            throw CheckpointError(path: found.file, .shapeMismatch(tensor: name, shape: found.shape, expected: expected))
        }
        return try tensor(name)
    }

    /// Total number of elements over all tensors (tied weights stored once count once).
    public var parameterCount: Int {
        get throws(CheckpointError) {
            var total = 0
            for name in tensorNames { total += try info(name).elementCount }
            return total
        }
    }
}
