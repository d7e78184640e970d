import Foundation
import Models

/// A checked file of minimal pairs (JSONL), as DESIGN.md's "Files → pairs" says.
///
/// Each non-blank line is one object with `clean`, `corrupted`, `answer`, `foil`
/// as text, or `clean_ids`, `corrupted_ids`, `answer_id`, `foil_id` as token ids
/// (used exactly as given; when a line has both, the ids win and the text is kept
/// for display). Text prompts are `encode(text)` with the tokenizer's special
/// tokens (plus BOS with `PairOptions.prependBOS`); answer and foil are the single
/// tokens they add after the clean prompt, and are read on both prompts.
///
/// Loading checks every line and reports every problem at once (`PairError`).
public struct PairSet: Sendable {
    public let pairs: [MinimalPair]
    /// The file the pairs came from (as named by the caller).
    public let source: String
    /// Pads right-padded batches: the tokenizer's pad id, else 0.
    public let padId: Int
    /// `PairHash.hex(pairs)`: stable across runs and machines, for graph `meta`.
    public let hash: String

    public var count: Int { pairs.count }

    /// Reads and checks a JSONL file of pairs.
    public init(contentsOf url: URL, tokenizer: Tokenizer, options: PairOptions = PairOptions()) throws(PairError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PairError(file: url.path, line: nil, "cannot be read (\(error.localizedDescription))")
        }
        try self.init(jsonl: data, source: url.path, tokenizer: tokenizer, options: options)
    }

    /// Checks JSONL content; `source` names it in errors.
    public init(jsonl data: Data, source: String, tokenizer: Tokenizer, options: PairOptions = PairOptions()) throws(PairError) {
        let encoder: PromptEncoder
        do {
            encoder = try PromptEncoder(tokenizer: tokenizer, options: options)
        } catch {
            throw PairError(file: source, line: nil,
                            "BOS prepending was asked for (--prepend-bos), but the tokenizer has no BOS token (its post-processor "
                            + "adds none and no bos_token is configured)")
        }
        let decoder = PairLineDecoder(encoder: encoder, vocabSize: options.vocabSize ?? tokenizer.vocabSize)
        var pairs: [MinimalPair] = []
        var problems: [PairError.Problem] = []
        for (offset, slice) in Self.lines(of: data).enumerated() {
            let line = offset + 1
            var bytes = Array(slice)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            if offset == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // UTF-8 byte order mark
            if bytes.allSatisfy({ [0x20, 0x09].contains($0) }) { continue }
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes, refusingDuplicateKeys: true)
            } catch {
                problems.append(.init(line: line, message: "malformed JSON \(error.message)"))
                continue
            }
            switch decoder.decode(value, line: line) {
            case let .success(pair): pairs.append(pair)
            case let .failure(failure): problems += failure.messages.map { .init(line: line, message: $0) }
            }
        }
        if !problems.isEmpty { throw PairError(file: source, problems: problems) }
        guard !pairs.isEmpty else {
            throw PairError(file: source, line: nil, "holds no pairs (expected one JSON object a line)")
        }
        self.init(checked: pairs, source: source, padId: tokenizer.padTokenId ?? 0)
    }

    /// A set of pairs made in code. Each must have non-empty prompts of equal length
    /// that differ, and answer ≠ foil; problems name `source` and each pair's `line`.
    public init(_ pairs: [MinimalPair], source: String, padId: Int = 0) throws(PairError) {
        var problems: [PairError.Problem] = []
        for pair in pairs {
            if pair.cleanIds.isEmpty || pair.cleanIds.count != pair.corruptedIds.count {
                problems.append(.init(line: pair.line, message: "the clean and corrupted prompts must be non-empty and of "
                    + "equal length, not \(pair.cleanIds.count) and \(pair.corruptedIds.count) tokens"))
            } else if pair.cleanIds == pair.corruptedIds {
                problems.append(.init(line: pair.line, message: "the clean and corrupted prompts are identical"))
            }
            if pair.answerId == pair.foilId {
                problems.append(.init(line: pair.line, message: "the answer and the foil are the same token \(pair.answerId)"))
            }
        }
        if !problems.isEmpty { throw PairError(file: source, problems: problems) }
        guard !pairs.isEmpty else { throw PairError(file: source, line: nil, "holds no pairs") }
        self.init(checked: pairs, source: source, padId: padId)
    }

    /// Pairs already checked (equal non-empty lengths, distinct prompts, answer ≠ foil).
    init(checked pairs: [MinimalPair], source: String, padId: Int) {
        self.pairs = pairs
        self.source = source
        self.padId = padId
        hash = PairHash.hex(pairs)
    }

    /// The pairs in file order, `size` at a time (the last batch may be smaller).
    /// Pairs of different lengths share a batch, right-padded with `padId`.
    public func batches(size: Int) -> [PairBatch] {
        precondition(size > 0, "batch size must be positive, got \(size)")
        return stride(from: 0, to: pairs.count, by: size).map { start in
            let range = start..<min(start + size, pairs.count)
            return PairBatch(Array(pairs[range]), indices: Array(range), padId: padId)
        }
    }

    private static func lines(of data: Data) -> [Data.SubSequence] {
        data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }
}
