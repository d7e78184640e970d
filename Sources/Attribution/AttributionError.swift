public enum AttributionError: Error, Equatable, CustomStringConvertible {
    case invalidBatch(String)
    case tokenOutOfRange(id: Int, vocab: Int)

    public var description: String {
        switch self {
        case let .invalidBatch(message): "invalid pair batch: \(message)"
        case let .tokenOutOfRange(id, vocab): "answer or foil id \(id) is outside the vocabulary (0..<\(vocab))"
        }
    }
}
