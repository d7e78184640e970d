/// Patterns and split behaviours shared by normalizers, pre-tokenizers and
/// decoders, following `tokenizers`' `Pattern` and `SplitDelimiterBehavior`.

/// A `{"String": …}` or `{"Regex": …}` pattern.
enum TextPattern: Sendable {
    case string([Unicode.Scalar])
    case regex(ScalarRegex)

    static func parse(_ node: JSONNode) throws(TokenizerError) -> TextPattern {
        if node.has("String") {
            return .string(Array(try node["String"].string().unicodeScalars))
        }
        if node.has("Regex") {
            let source = try node["Regex"].string()
            do {
                return .regex(try ScalarRegex(source))
            } catch {
                throw node["Regex"].error("\"\(source)\" is not supported: \(error.message)")
            }
        }
        throw node.error("must be {\"String\": …} or {\"Regex\": …}")
    }

    /// Non-overlapping matches, leftmost first. An empty string pattern matches nothing.
    func matches(in text: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        switch self {
        case .regex(let regex):
            return regex.matches(in: text)
        case .string(let needle):
            guard !needle.isEmpty, needle.count <= text.count else { return [] }
            var result: [Range<Int>] = []
            var i = text.startIndex
            let last = text.endIndex - needle.count
            while i <= last {
                var equal = true
                for k in 0..<needle.count where text[i + k] != needle[k] {
                    equal = false
                    break
                }
                if equal {
                    result.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
            return result
        }
    }

    /// `text` with every match replaced by `content`.
    func replace(in text: [Unicode.Scalar], with content: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var span = 0
        return replace(in: text, with: content, firstSpan: &span)
    }

    /// `text` with every match replaced by `content`; `firstSpan` (see
    /// `TextPiece`) follows the scalars that stem from the first character.
    func replace(in text: [Unicode.Scalar], with content: [Unicode.Scalar], firstSpan: inout Int) -> [Unicode.Scalar] {
        let found = matches(in: text[...])
        if found.isEmpty { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var span = 0
        var previous = 0
        for m in found {
            span += TextPiece.span(firstSpan, previous..<m.lowerBound)
            out.append(contentsOf: text[previous..<m.lowerBound])
            if m.lowerBound < firstSpan { span += content.count }
            out.append(contentsOf: content)
            previous = m.upperBound
        }
        span += TextPiece.span(firstSpan, previous..<text.count)
        out.append(contentsOf: text[previous...])
        firstSpan = span
        return out
    }
}

/// `SplitDelimiterBehavior`.
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    static func parse(_ node: JSONNode, default defaultValue: SplitBehavior? = nil) throws(TokenizerError) -> SplitBehavior {
        if node.isNull, let defaultValue { return defaultValue }
        let name = try node.string()
        guard let behavior = SplitBehavior(rawValue: name) else {
            let names = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]
            throw node.error("\"\(name)\" is not supported (supported: \(names.joined(separator: ", ")))")
        }
        return behavior
    }
}

enum Splitting {
    /// The matches of a one-character predicate: every matching scalar is its own match.
    static func scalarMatches(_ text: ArraySlice<Unicode.Scalar>, _ test: (Unicode.Scalar) -> Bool) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for i in text.indices where test(text[i]) {
            result.append(i..<(i + 1))
        }
        return result
    }

    /// Split `text` around `matches` (sorted, non-overlapping) as
    /// `NormalizedString::split` does; returns the non-empty pieces in order.
    static func split(
        _ text: ArraySlice<Unicode.Scalar>, matches: [Range<Int>], invert: Bool = false, behavior: SplitBehavior
    ) -> [Range<Int>] {
        // Tile the text with (range, isMatch).
        var tiles: [(Range<Int>, Bool)] = []
        var previous = text.startIndex
        for m in matches {
            if previous < m.lowerBound { tiles.append((previous..<m.lowerBound, invert)) }
            tiles.append((m, !invert))
            previous = m.upperBound
        }
        if previous < text.endIndex { tiles.append((previous..<text.endIndex, invert)) }

        var pieces: [(range: Range<Int>, remove: Bool)] = []
        switch behavior {
        case .isolated:
            pieces = tiles.map { ($0.0, false) }
        case .removed:
            pieces = tiles.map { ($0.0, $0.1) }
        case .contiguous:
            var previousMatch = false
            for (range, isMatch) in tiles {
                if isMatch == previousMatch, let last = pieces.last {
                    pieces[pieces.count - 1].range = last.range.lowerBound..<range.upperBound
                } else {
                    pieces.append((range, false))
                }
                previousMatch = isMatch
            }
        case .mergedWithPrevious:
            var previousMatch = false
            for (range, isMatch) in tiles {
                if isMatch && !previousMatch, let last = pieces.last {
                    pieces[pieces.count - 1].range = last.range.lowerBound..<range.upperBound
                } else {
                    pieces.append((range, false))
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for (range, isMatch) in tiles.reversed() {
                if isMatch && !previousMatch, let last = pieces.last {
                    pieces[pieces.count - 1].range = range.lowerBound..<last.range.upperBound
                } else {
                    pieces.append((range, false))
                }
                previousMatch = isMatch
            }
            pieces.reverse()
        }
        return pieces.compactMap { $0.remove || $0.range.isEmpty ? nil : $0.range }
    }
}
