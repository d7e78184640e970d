import Models

/// Tokenizes prompts and single-token continuations the way pair files define them.
///
/// - A prompt is `encode(text)` with the tokenizer's special tokens, plus BOS in
///   front when asked for and not already there.
/// - A continuation `word` of `prompt` is the token t with
///   `encode(prompt + word) == encode(prompt) + [t]` (both without special tokens).
struct PromptEncoder: Sendable {
    let tokenizer: Tokenizer
    /// The BOS to put first, when BOS is to be prepended.
    let prependedBOS: Int?

    enum Failure: Error, Equatable {
        case noBOS
    }

    init(tokenizer: Tokenizer, options: PairOptions) throws(Failure) {
        self.tokenizer = tokenizer
        if options.prependBOS {
            guard let bos = options.bosTokenId ?? tokenizer.bosTokenId else { throw .noBOS }
            prependedBOS = bos
        } else {
            prependedBOS = nil
        }
    }

    func prompt(_ text: String) -> [Int] {
        var ids = tokenizer.encode(text)
        if let bos = prependedBOS, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// The prompt's ids without special tokens, the base of `continuation`.
    func bare(_ text: String) -> [Int] {
        tokenizer.encode(text, addSpecialTokens: false)
    }

    enum Continuation: Equatable {
        case token(Int)
        /// `word` does not add exactly one token after the prompt; `message` says what it does.
        case notSingle(message: String)
    }

    /// The single token that `word` adds after `prompt`, whose bare ids are `base`.
    func continuation(of prompt: String, base: [Int], with word: String) -> Continuation {
        guard !word.isEmpty else { return .notSingle(message: "is empty") }
        let extended = bare(prompt + word)
        if extended.count == base.count + 1, extended.starts(with: base) { return .token(extended[base.count]) }
        if extended.starts(with: base) {
            let added = Array(extended[base.count...])
            return .notSingle(message: "adds \(added.count) tokens after the prompt, not 1: \(describe(added))")
        }
        // Encoding prompt + word re-tokenizes the end of the prompt.
        let common = zip(base, extended).prefix { $0 == $1 }.count
        return .notSingle(message: "changes how the prompt's end is tokenized: the prompt ends "
            + "\(describe(Array(base[common...]))) alone but \(describe(Array(extended[common...]))) with it")
    }

    /// `[291 "▁The", 280 "▁c"]`: ids with their tokens.
    func describe(_ ids: [Int]) -> String {
        "[" + ids.map { id in "\(id) " + (tokenizer.token(for: id).map { $0.debugDescription } ?? "?") }
            .joined(separator: ", ") + "]"
    }
}
