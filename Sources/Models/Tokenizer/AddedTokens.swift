/// One entry of `added_tokens`.
struct AddedToken: Sendable {
    var id: Int
    let content: String
    let special: Bool
    let singleWord: Bool
    let lstrip: Bool
    let rstrip: Bool
    let normalized: Bool

    init(_ node: JSONNode) throws(TokenizerError) {
        id = try node["id"].int()
        content = try node["content"].string()
        special = try node["special"].bool(default: false)
        singleWord = try node["single_word"].bool(default: false)
        lstrip = try node["lstrip"].bool(default: false)
        rstrip = try node["rstrip"].bool(default: false)
        // `tokenizers` defaults `normalized` to the opposite of `special`.
        normalized = try node["normalized"].bool(default: !special)
    }
}

/// A piece of the input after the added tokens are split out: either an
/// added token's id or text still to be tokenized.
enum Segment {
    case token(Int)
    case text(TextPiece)
}

/// Finds added tokens in text: leftmost-longest, non-overlapping matches
/// (Aho-Corasick `LeftmostLongest`, as `tokenizers` does) over scalars,
/// with the `single_word`, `lstrip` and `rstrip` rules of `AddedVocabulary::find_matches`.
struct AddedTokenMatcher: Sendable {
    private struct Node: Sendable {
        var children: [Unicode.Scalar: Int] = [:]
        var token: Int? = nil  // index into `tokens`
    }

    private var nodes = [Node()]
    private var tokens: [AddedToken] = []

    var isEmpty: Bool { tokens.isEmpty }

    /// Adds `token`, matched by the spelling `pattern` (its content, normalized if it is a normalized token).
    mutating func add(_ token: AddedToken, pattern: [Unicode.Scalar]) {
        guard !pattern.isEmpty else { return }
        var node = 0
        for s in pattern {
            if let child = nodes[node].children[s] {
                node = child
            } else {
                nodes.append(Node())
                nodes[node].children[s] = nodes.count - 1
                node = nodes.count - 1
            }
        }
        if nodes[node].token == nil {
            tokens.append(token)
            nodes[node].token = tokens.count - 1
        }
    }

    /// The longest token match starting at `i`: (end, token).
    private func longestMatch(_ text: [Unicode.Scalar], at i: Int) -> (Int, AddedToken)? {
        var node = 0
        var best: (Int, AddedToken)? = nil
        var j = i
        while j < text.count, let child = nodes[node].children[text[j]] {
            node = child
            j += 1
            if let t = nodes[node].token { best = (j, tokens[t]) }
        }
        return best
    }

    /// Split `piece` into added tokens and the text around them (empty text dropped).
    func split(_ piece: TextPiece) -> [Segment] {
        let text = piece.scalars
        if tokens.isEmpty { return text.isEmpty ? [] : [.text(piece)] }
        var segments: [Segment] = []
        func emitText(_ r: Range<Int>) {
            guard !r.isEmpty else { return }
            segments.append(.text(piece.slice(r)))
        }
        var startOffset = 0
        var searchFrom = 0
        while searchFrom < text.count {
            // The leftmost position with a match, and the longest match there.
            var found: (start: Int, end: Int, token: AddedToken)? = nil
            for i in searchFrom..<text.count {
                if let (end, token) = longestMatch(text, at: i) {
                    found = (i, end, token)
                    break
                }
            }
            guard let (matchStart, matchEnd, token) = found else { break }
            searchFrom = matchEnd
            var start = matchStart
            var stop = matchEnd
            if token.singleWord {
                let startSpace = start == 0 || !UnicodeClass.isWord(text[start - 1])
                let stopSpace = stop == text.count || !UnicodeClass.isWord(text[stop])
                if !startSpace || !stopSpace { continue }
            }
            if token.lstrip {
                var newStart = start
                while newStart > 0, UnicodeClass.isWhitespace(text[newStart - 1]) { newStart -= 1 }
                start = max(newStart, startOffset)
            }
            if token.rstrip {
                while stop < text.count, UnicodeClass.isWhitespace(text[stop]) { stop += 1 }
            }
            if start > startOffset { emitText(startOffset..<start) }
            segments.append(.token(token.id))
            startOffset = stop
        }
        if startOffset < text.count { emitText(startOffset..<text.count) }
        return segments
    }
}
