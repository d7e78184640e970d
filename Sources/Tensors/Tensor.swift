/// A dense, row-major Float32 tensor with value semantics.
///
/// Storage is a Swift array, so copies share memory until one of them is
/// written (copy-on-write). Hot loops reach the storage through unsafe buffer
/// pointers. A tensor produced while a `Tape` is recording carries a reference
/// to its tape entry; a tensor with none costs the tape nothing.
public struct Tensor: Sendable {
    /// Sizes of each axis, outermost first. A scalar has shape `[]`.
    public private(set) var shape: [Int]
    /// Elements in row-major order; `storage.count == shape.product`.
    public internal(set) var storage: [Float]
    /// Where this value lives on a tape, when one recorded it.
    var entry: TapeEntry?

    public init(shape: [Int], storage: [Float]) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(op: "Tensor.init", shape: shape) }
        guard shape.reduce(1, *) == storage.count else {
            throw .storageMismatch(shape: shape, count: storage.count)
        }
        self.shape = shape
        self.storage = storage
    }

    /// Internal initialiser for kernels that already know the sizes agree.
    init(uncheckedShape shape: [Int], storage: [Float]) {
        self.shape = shape
        self.storage = storage
    }

    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(uncheckedShape: shape, storage: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public static func filled(_ shape: [Int], with value: Float) -> Tensor {
        Tensor(uncheckedShape: shape, storage: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public static func scalar(_ value: Float) -> Tensor {
        Tensor(uncheckedShape: [], storage: [value])
    }

    /// Number of elements.
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The single element of a one-element tensor.
    public var item: Float {
        get throws(TensorError) {
            guard storage.count == 1 else { throw .notScalar(op: "item", shape: shape) }
            return storage[0]
        }
    }

    /// True when a tape recorded this value (so gradients can reach it).
    public var isRecorded: Bool { entry != nil }

    /// The same values with no tape entry: gradients stop here.
    public func detached() -> Tensor {
        Tensor(uncheckedShape: shape, storage: storage)
    }

    /// Element at a multi-index (for tests and small reads, not hot loops).
    public subscript(_ index: Int...) -> Float {
        storage[flatIndex(index)]
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for shape \(shape)")
        var flat = 0
        for (i, n) in zip(index, shape) { flat = flat * n + i }
        return flat
    }

    /// Row-major strides of `shape`.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// An uninitialised tensor for kernels that write every element.
    static func uninitialized(_ shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let n = shape.reduce(1, *)
        let storage = [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            fill(buffer)
            initialized = n
        }
        return Tensor(uncheckedShape: shape, storage: storage)
    }
}

extension Array where Element == Int {
    /// Product of the sizes (1 for an empty shape).
    var product: Int { reduce(1, *) }
}

/// Errors raised by tensor operations. Each names the operation and the shapes involved.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int])
    case invalidShape(op: String, shape: [Int])
    case invalidAxis(op: String, axis: Int, shape: [Int])
    case storageMismatch(shape: [Int], count: Int)
    case indexOutOfRange(op: String, index: Int, size: Int)
    case notScalar(op: String, shape: [Int])
    case noGradientRule(op: String)
    case notRecorded(op: String)
    case differentTapes(op: String)
    case invalidArgument(op: String, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs):
            return "\(op): shapes \(lhs) and \(rhs) do not match"
        case let .invalidShape(op, shape):
            return "\(op): invalid shape \(shape)"
        case let .invalidAxis(op, axis, shape):
            return "\(op): axis \(axis) is out of range for shape \(shape)"
        case let .storageMismatch(shape, count):
            return "Tensor: shape \(shape) needs \(shape.product) elements, got \(count)"
        case let .indexOutOfRange(op, index, size):
            return "\(op): index \(index) is out of range 0..<\(size)"
        case let .notScalar(op, shape):
            return "\(op): expected a one-element tensor, got shape \(shape)"
        case let .noGradientRule(op):
            return "backward: no gradient rule for op '\(op)'"
        case let .notRecorded(op):
            return "\(op): the tensor was not recorded on this tape"
        case let .differentTapes(op):
            return "\(op): inputs were recorded on different tapes"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        }
    }
}
