import Models

/// Minimal pairs ready to run: clean and corrupted prompts right-padded together
/// (each pair's two prompts have the same length), with the clean prompt's answer
/// and foil, used on both prompts.
public struct PairBatch: Sendable {
    public let clean: TokenBatch
    public let corrupted: TokenBatch
    public let answers: [Int]
    public let foils: [Int]

    public init(clean: [[Int]], corrupted: [[Int]], answers: [Int], foils: [Int], padId: Int = 0) throws {
        guard clean.count == corrupted.count, clean.count == answers.count, clean.count == foils.count else {
            throw AttributionError.invalidBatch("\(clean.count) clean prompts, \(corrupted.count) corrupted, \(answers.count) answers, \(foils.count) foils")
        }
        for (i, (c, k)) in zip(clean, corrupted).enumerated() where c.count != k.count {
            throw AttributionError.invalidBatch("pair \(i): clean has \(c.count) tokens, corrupted \(k.count)")
        }
        self.clean = try TokenBatch(clean, padId: padId)
        self.corrupted = try TokenBatch(corrupted, padId: padId)
        self.answers = answers
        self.foils = foils
    }

    public var count: Int { answers.count }
}

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
