/// A piece of normalized text on its way to the model.
///
/// `firstSpan` counts its leading scalars that stem from the first character
/// of the original text (in `tokenizers`' alignments their original offset
/// is 0). A piece with `firstSpan > 0` is what Metaspace's
/// `prepend_scheme: "first"` treats as the start of the text — which, as in
/// `tokenizers`, includes every piece cut from the normalization of that
/// first character (NFKD turns "½" into "1⁄2", three such pieces).
struct TextPiece: Sendable {
    var scalars: [Unicode.Scalar]
    var firstSpan: Int

    var isFirst: Bool { firstSpan > 0 }

    /// The sub-piece at `range`.
    func slice(_ range: Range<Int>) -> TextPiece {
        TextPiece(scalars: Array(scalars[range]), firstSpan: TextPiece.span(firstSpan, range))
    }

    static func span(_ firstSpan: Int, _ range: Range<Int>) -> Int {
        max(0, min(firstSpan, range.upperBound) - range.lowerBound)
    }
}

/// Metaspace's `prepend_scheme`.
enum PrependScheme: String, Sendable {
    case always, first, never

    static func parse(_ node: JSONNode) throws(TokenizerError) -> PrependScheme? {
        let scheme = node["prepend_scheme"]
        if scheme.isNull {
            // Files written before `prepend_scheme` existed use `add_prefix_space`.
            guard node.has("add_prefix_space") else { return nil }
            return try node["add_prefix_space"].bool(default: true) ? .always : .never
        }
        let name = try scheme.string()
        guard let value = PrependScheme(rawValue: name) else {
            throw scheme.error("\"\(name)\" is not supported (supported: always, first, never)")
        }
        return value
    }
}

/// A `pre_tokenizer` of `tokenizer.json`.
indirect enum PreTokenizer: Sendable {
    case sequence([PreTokenizer])
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme, split: Bool)
    case whitespace
    case whitespaceSplit
    case bert
    case split(TextPattern, SplitBehavior, invert: Bool)
    case digits(individual: Bool)
    case punctuation(SplitBehavior)

    static let supported = [
        "Sequence", "ByteLevel", "Metaspace", "Whitespace", "WhitespaceSplit", "BertPreTokenizer", "Split",
        "Digits", "Punctuation",
    ]

    static func parse(_ node: JSONNode) throws(TokenizerError) -> PreTokenizer? {
        if node.isNull { return nil }
        switch try node.componentType(supported: supported) {
        case "Sequence":
            var items: [PreTokenizer] = []
            for child in try node["pretokenizers"].array() {
                if let p = try parse(child) { items.append(p) }
            }
            return .sequence(items)
        case "ByteLevel":
            return .byteLevel(
                addPrefixSpace: try node["add_prefix_space"].bool(default: true),
                useRegex: try node["use_regex"].bool(default: true))
        case "Metaspace":
            return .metaspace(
                replacement: node.has("replacement") ? try node["replacement"].scalar() : "▁",
                prependScheme: try PrependScheme.parse(node) ?? .always,
                split: try node["split"].bool(default: true))
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "BertPreTokenizer": return .bert
        case "Split":
            return .split(
                try TextPattern.parse(node["pattern"]), try SplitBehavior.parse(node["behavior"]),
                invert: try node["invert"].bool(default: false))
        case "Digits":
            return .digits(individual: try node["individual_digits"].bool(default: false))
        case "Punctuation":
            return .punctuation(try SplitBehavior.parse(node["behavior"], default: .isolated))
        default:
            throw node["type"].error("is not supported")
        }
    }

    func apply(_ pieces: [TextPiece]) -> [TextPiece] {
        if case .sequence(let items) = self {
            return items.reduce(pieces) { $1.apply($0) }
        }
        var out: [TextPiece] = []
        out.reserveCapacity(pieces.count)
        for piece in pieces {
            apply(piece, into: &out)
        }
        return out
    }

    /// Cut `piece` at `ranges` (non-empty, in order) and append the pieces.
    private static func emit(_ piece: TextPiece, _ ranges: [Range<Int>], into out: inout [TextPiece]) {
        for r in ranges {
            out.append(piece.slice(r))
        }
    }

    private func apply(_ piece: TextPiece, into out: inout [TextPiece]) {
        let text = piece.scalars[...]
        switch self {
        case .sequence:
            out.append(contentsOf: apply([piece]))
        case .byteLevel(let addPrefixSpace, let useRegex):
            var p = piece
            if addPrefixSpace && p.scalars.first != " " {
                p.scalars.insert(" ", at: 0)
                if p.firstSpan > 0 { p.firstSpan += 1 }
            }
            let ranges = useRegex ? ByteLevel.gpt2Spans(p.scalars[...]) : [0..<p.scalars.count]
            for r in ranges where !r.isEmpty {
                let span = TextPiece.span(p.firstSpan, r)
                let bytes = ByteLevel.encode(p.scalars[r])
                let byteSpan = span == 0 ? 0 : ByteLevel.encode(p.scalars[r.lowerBound..<(r.lowerBound + span)]).count
                out.append(TextPiece(scalars: bytes, firstSpan: byteSpan))
            }
        case .metaspace(let replacement, let scheme, let split):
            var scalars = piece.scalars.map { $0 == " " ? replacement : $0 }
            let prepend: Bool
            switch scheme {
            case .always: prepend = true
            case .first: prepend = piece.isFirst
            case .never: prepend = false
            }
            var span = piece.firstSpan
            if prepend && scalars.first != replacement {
                scalars.insert(replacement, at: 0)
                if span > 0 { span += 1 }
            }
            let p = TextPiece(scalars: scalars, firstSpan: span)
            if split {
                let matches = Splitting.scalarMatches(scalars[...]) { $0 == replacement }
                PreTokenizer.emit(p, Splitting.split(scalars[...], matches: matches, behavior: .mergedWithNext), into: &out)
            } else if !scalars.isEmpty {
                out.append(p)
            }
        case .whitespace:
            // The matches of `\w+|[^\w\s]+`; everything else (whitespace) is dropped.
            var ranges: [Range<Int>] = []
            var i = text.startIndex
            while i < text.endIndex {
                let s = text[i]
                if UnicodeClass.isWhitespace(s) && !UnicodeClass.isWord(s) {
                    i += 1
                    continue
                }
                let word = UnicodeClass.isWord(s)
                var j = i + 1
                while j < text.endIndex {
                    let t = text[j]
                    let continues = word ? UnicodeClass.isWord(t) : (!UnicodeClass.isWord(t) && !UnicodeClass.isWhitespace(t))
                    if !continues { break }
                    j += 1
                }
                ranges.append(i..<j)
                i = j
            }
            PreTokenizer.emit(piece, ranges, into: &out)
        case .whitespaceSplit:
            let matches = Splitting.scalarMatches(text, UnicodeClass.isWhitespace)
            PreTokenizer.emit(piece, Splitting.split(text, matches: matches, behavior: .removed), into: &out)
        case .bert:
            let matches = Splitting.scalarMatches(text, UnicodeClass.isWhitespace)
            for r in Splitting.split(text, matches: matches, behavior: .removed) {
                let sub = piece.slice(r)
                let punct = Splitting.scalarMatches(sub.scalars[...], UnicodeClass.isPunctuation)
                PreTokenizer.emit(sub, Splitting.split(sub.scalars[...], matches: punct, behavior: .isolated), into: &out)
            }
        case .split(let pattern, let behavior, let invert):
            let matches = pattern.matches(in: text)
            PreTokenizer.emit(piece, Splitting.split(text, matches: matches, invert: invert, behavior: behavior), into: &out)
        case .digits(let individual):
            let matches = Splitting.scalarMatches(text, UnicodeClass.isNumeric)
            let behavior: SplitBehavior = individual ? .isolated : .contiguous
            PreTokenizer.emit(piece, Splitting.split(text, matches: matches, behavior: behavior), into: &out)
        case .punctuation(let behavior):
            let matches = Splitting.scalarMatches(text, UnicodeClass.isPunctuation)
            PreTokenizer.emit(piece, Splitting.split(text, matches: matches, behavior: behavior), into: &out)
        }
    }
}
