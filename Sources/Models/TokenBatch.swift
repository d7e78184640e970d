/// Token sequences of different lengths in one right-padded batch.
///
/// Right padding keeps every real token at its own position, and the causal mask
/// already stops real tokens from seeing the pads after them, so a padded batch
/// gives each prompt exactly the values it gets alone.
public struct TokenBatch: Sendable, Equatable {
    /// Ids laid out [batch, length], padded on the right with `padId`.
    public let ids: [Int]
    public let batch: Int
    public let length: Int
    /// Real length of each sequence.
    public let lengths: [Int]

    public init(_ sequences: [[Int]], padId: Int = 0) throws(ModelError) {
        guard !sequences.isEmpty else { throw .emptyBatch }
        if let empty = sequences.firstIndex(where: \.isEmpty) { throw .emptySequence(index: empty) }
        let length = sequences.map(\.count).max()!
        self.batch = sequences.count
        self.length = length
        self.lengths = sequences.map(\.count)
        self.ids = sequences.flatMap { $0 + [Int](repeating: padId, count: length - $0.count) }
    }

    /// Position of each sequence's last real token.
    public var lastPositions: [Int] { lengths.map { $0 - 1 } }

    /// Flat row index (b·length + position) of each sequence's last real token.
    public var lastRows: [Int] { lengths.enumerated().map { $0.offset * length + $0.element - 1 } }

    /// The real tokens of sequence `index`.
    public func sequence(_ index: Int) -> [Int] {
        Array(ids[(index * length)..<(index * length + lengths[index])])
    }
}

/// Errors of building or running a model, each naming what is wrong and where.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case emptyBatch
    case emptySequence(index: Int)
    case tokenOutOfRange(id: Int, vocab: Int)
    case sequenceTooLong(length: Int, maxPositions: Int)
    case unsupported(String)

    public var description: String {
        switch self {
        case .emptyBatch: "the batch holds no sequences"
        case let .emptySequence(index): "sequence \(index) of the batch is empty"
        case let .tokenOutOfRange(id, vocab): "token id \(id) is outside the vocabulary (0..<\(vocab))"
        case let .sequenceTooLong(length, maxPositions):
            "sequence length \(length) exceeds the model's \(maxPositions) positions"
        case let .unsupported(message): message
        }
    }
}
