import Models

/// A batch of minimal pairs ready for the clean and corrupted runs.
///
/// Both token batches are right-padded to the longest prompt of the batch; pair
/// b has the same real length in both, so `clean.lastRows == corrupted.lastRows`
/// and the metric is read at those rows.
public struct PairBatch: Sendable, Equatable {
    public let clean: TokenBatch
    public let corrupted: TokenBatch
    /// Per pair: the token correct after the clean prompt.
    public let answerIds: [Int]
    /// Per pair: the token correct after the corrupted prompt.
    public let foilIds: [Int]
    /// Per pair: its index in `PairSet.pairs`.
    public let indices: [Int]

    public init(_ pairs: [MinimalPair], indices: [Int], padId: Int) {
        precondition(!pairs.isEmpty && pairs.count == indices.count, "a pair batch needs one index per pair")
        precondition(pairs.allSatisfy { !$0.cleanIds.isEmpty && $0.cleanIds.count == $0.corruptedIds.count },
                     "pairs must have non-empty prompts of equal length")
        do {
            clean = try TokenBatch(pairs.map(\.cleanIds), padId: padId)
            corrupted = try TokenBatch(pairs.map(\.corruptedIds), padId: padId)
        } catch {
            preconditionFailure("checked pairs always make a token batch: \(error)")
        }
        answerIds = pairs.map(\.answerId)
        foilIds = pairs.map(\.foilId)
        self.indices = indices
    }

    /// Pairs given as raw token ids (tests, benchmarks, callers with their own
    /// tokenisation); each pair's prompts must have the same length.
    public init(clean: [[Int]], corrupted: [[Int]], answers: [Int], foils: [Int], padId: Int = 0) throws {
        guard clean.count == corrupted.count, clean.count == answers.count, clean.count == foils.count else {
            throw AttributionError.invalidBatch("\(clean.count) clean prompts, \(corrupted.count) corrupted, \(answers.count) answers, \(foils.count) foils")
        }
        for (i, (c, k)) in zip(clean, corrupted).enumerated() where c.count != k.count {
            throw AttributionError.invalidBatch("pair \(i): clean has \(c.count) tokens, corrupted \(k.count)")
        }
        self.clean = try TokenBatch(clean, padId: padId)
        self.corrupted = try TokenBatch(corrupted, padId: padId)
        answerIds = answers
        foilIds = foils
        indices = Array(clean.indices)
    }

    /// Number of pairs.
    public var count: Int { indices.count }

    /// Flat row (b·length + position) of each pair's last real token, the same in both runs.
    public var lastRows: [Int] { clean.lastRows }
}
