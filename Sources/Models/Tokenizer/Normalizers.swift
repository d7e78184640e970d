import Foundation

/// A `normalizer` of `tokenizer.json`, applied to Unicode scalars.
indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case stripAccents
    case strip(left: Bool, right: Bool)
    case prepend([Unicode.Scalar])
    case replace(TextPattern, [Unicode.Scalar])
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)

    static let supported = [
        "Sequence", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Strip", "Prepend",
        "Replace", "BertNormalizer",
    ]

    /// nil for a JSON `null`.
    static func parse(_ node: JSONNode) throws(TokenizerError) -> Normalizer? {
        if node.isNull { return nil }
        switch try node.componentType(supported: supported) {
        case "Sequence":
            var items: [Normalizer] = []
            for child in try node["normalizers"].array() {
                if let n = try parse(child) { items.append(n) }
            }
            return .sequence(items)
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip":
            return .strip(
                left: try node["strip_left"].bool(default: true), right: try node["strip_right"].bool(default: true))
        case "Prepend":
            return .prepend(Array(try node["prepend"].string().unicodeScalars))
        case "Replace":
            return .replace(try TextPattern.parse(node["pattern"]), Array(try node["content"].string().unicodeScalars))
        case "BertNormalizer":
            let lowercase = try node["lowercase"].bool(default: true)
            return .bert(
                cleanText: try node["clean_text"].bool(default: true),
                handleChineseChars: try node["handle_chinese_chars"].bool(default: true),
                stripAccents: try node["strip_accents"].bool(default: lowercase),
                lowercase: lowercase)
        default:
            throw node["type"].error("is not supported")
        }
    }

    func apply(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var span = 0
        return apply(text, firstSpan: &span)
    }

    /// Normalizes `text`; `firstSpan` (see `TextPiece`) follows the scalars
    /// that stem from the first character of the original text.
    func apply(_ text: [Unicode.Scalar], firstSpan: inout Int) -> [Unicode.Scalar] {
        switch self {
        case .sequence(let items):
            var out = text
            for item in items { out = item.apply(out, firstSpan: &firstSpan) }
            return out
        case .nfc: return Normalizer.unicodeNormalize(text, &firstSpan) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return Normalizer.unicodeNormalize(text, &firstSpan) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc:
            return Normalizer.unicodeNormalize(text, &firstSpan) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd:
            return Normalizer.unicodeNormalize(text, &firstSpan) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase:
            return Normalizer.mapScalars(text, &firstSpan) { Normalizer.lowercased($0) }
        case .stripAccents:
            // `unicode_normalization::char::is_combining_mark`: every mark (Mn, Mc, Me).
            return Normalizer.mapScalars(text, &firstSpan) { s in
                switch s.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: return []
                default: return [s]
                }
            }
        case .strip(let left, let right):
            var lo = text.startIndex
            var hi = text.endIndex
            if left { while lo < hi, UnicodeClass.isWhitespace(text[lo]) { lo += 1 } }
            if right { while hi > lo, UnicodeClass.isWhitespace(text[hi - 1]) { hi -= 1 } }
            firstSpan = TextPiece.span(firstSpan, lo..<hi)
            return Array(text[lo..<hi])
        case .prepend(let prefix):
            if text.isEmpty { return text }
            if firstSpan > 0 { firstSpan += prefix.count }
            return prefix + text
        case .replace(let pattern, let content):
            return pattern.replace(in: text, with: content, firstSpan: &firstSpan)
        case .bert(let cleanText, let handleChineseChars, let stripAccents, let lowercase):
            var out = text
            if cleanText {
                out = Normalizer.mapScalars(out, &firstSpan) { s in
                    if s.value == 0 || s.value == 0xFFFD || Normalizer.isBertControl(s) { return [] }
                    return Normalizer.isBertWhitespace(s) ? [" "] : [s]
                }
            }
            if handleChineseChars {
                out = Normalizer.mapScalars(out, &firstSpan) { s in
                    Normalizer.isChineseChar(s) ? [" ", s, " "] : [s]
                }
            }
            if stripAccents {
                out = Normalizer.nfd.apply(out, firstSpan: &firstSpan)
                out = Normalizer.stripAccents.apply(out, firstSpan: &firstSpan)
            }
            if lowercase {
                out = Normalizer.lowercase.apply(out, firstSpan: &firstSpan)
            }
            return out
        }
    }

    /// A scalar-by-scalar transformation.
    private static func mapScalars(
        _ text: [Unicode.Scalar], _ firstSpan: inout Int, _ transform: (Unicode.Scalar) -> [Unicode.Scalar]
    ) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var span = 0
        for (i, s) in text.enumerated() {
            let mapped = transform(s)
            if i < firstSpan { span += mapped.count }
            out.append(contentsOf: mapped)
        }
        firstSpan = span
        return out
    }

    private static func unicodeNormalize(
        _ text: [Unicode.Scalar], _ firstSpan: inout Int, _ transform: (String) -> String
    ) -> [Unicode.Scalar] {
        if text.allSatisfy(\.isASCII) { return text }
        func normalized(_ part: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: part)
            return Array(transform(String(view)).unicodeScalars)
        }
        if firstSpan > 0 {
            // The first characters with the combining marks that follow them
            // normalize on their own (up to compositions of two starters).
            var end = min(firstSpan, text.count)
            while end < text.count, text[end].properties.canonicalCombiningClass.rawValue != 0 { end += 1 }
            firstSpan = normalized(text[0..<end]).count
        }
        return normalized(text[...])
    }

    /// Full lowercase mapping of one scalar, as Rust's `char::to_lowercase`
    /// (no context-dependent final sigma).
    static func lowercased(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        if s.isASCII {
            return [(0x41...0x5A).contains(s.value) ? Unicode.Scalar(s.value + 32)! : s]
        }
        return Array(s.properties.lowercaseMapping.unicodeScalars)
    }

    private static func isBertWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    private static func isBertControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse: return true
        default: return false
        }
    }

    private static func isChineseChar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
