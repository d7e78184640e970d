/// A `decoder` of `tokenizer.json`: `decodeChain` maps token strings to
/// strings, and the decoded text is their concatenation.
indirect enum TokenDecoder: Sendable {
    case sequence([TokenDecoder])
    case byteLevel
    case replace(TextPattern, [Unicode.Scalar])
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme)
    case wordPiece(prefix: String, cleanup: Bool)
    case bpe(suffix: String)

    static let supported = [
        "Sequence", "ByteLevel", "Replace", "ByteFallback", "Fuse", "Strip", "Metaspace", "WordPiece", "BPEDecoder",
    ]

    static func parse(_ node: JSONNode) throws(TokenizerError) -> TokenDecoder? {
        if node.isNull { return nil }
        switch try node.componentType(supported: supported) {
        case "Sequence":
            var items: [TokenDecoder] = []
            for child in try node["decoders"].array() {
                if let d = try parse(child) { items.append(d) }
            }
            return .sequence(items)
        case "ByteLevel": return .byteLevel
        case "Replace":
            return .replace(try TextPattern.parse(node["pattern"]), Array(try node["content"].string().unicodeScalars))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            return .strip(
                content: try node["content"].scalar(), start: try node["start"].int(default: 0),
                stop: try node["stop"].int(default: 0))
        case "Metaspace":
            return .metaspace(
                replacement: node.has("replacement") ? try node["replacement"].scalar() : "▁",
                prependScheme: try PrependScheme.parse(node) ?? .always)
        case "WordPiece":
            return .wordPiece(
                prefix: try node["prefix"].optionalString() ?? "##", cleanup: try node["cleanup"].bool(default: true))
        case "BPEDecoder":
            return .bpe(suffix: try node["suffix"].optionalString() ?? "</w>")
        default:
            throw node["type"].error("is not supported")
        }
    }

    func decode(_ tokens: [String]) -> String {
        decodeChain(tokens).joined()
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .sequence(let items):
            return items.reduce(tokens) { $1.decodeChain($0) }
        case .byteLevel:
            // Each token's scalars map back to bytes; a token with a scalar outside
            // the byte alphabet contributes its own UTF-8. Invalid UTF-8 becomes U+FFFD.
            var bytes: [UInt8] = []
            for token in tokens {
                var tokenBytes: [UInt8] = []
                var ok = true
                for s in token.unicodeScalars {
                    guard let b = ByteLevel.byte(for: s) else {
                        ok = false
                        break
                    }
                    tokenBytes.append(b)
                }
                bytes.append(contentsOf: ok ? tokenBytes : Array(token.utf8))
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let pattern, let content):
            return tokens.map { TokenDecoder.string(pattern.replace(in: Array($0.unicodeScalars), with: content)) }
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = TokenDecoder.validUTF8(pending) {
                    out.append(s)
                } else {
                    out.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let b = ByteLevelHex.byte(of: token) {
                    pending.append(b)
                } else {
                    flush()
                    out.append(token)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var lo = 0
                while lo < min(start, scalars.count), scalars[lo] == content { lo += 1 }
                var hi = scalars.count
                var stripped = 0
                while stripped < stop, hi > lo, scalars[hi - 1] == content {
                    hi -= 1
                    stripped += 1
                }
                return TokenDecoder.string(scalars[lo..<hi])
            }
        case .metaspace(let replacement, let scheme):
            // As `tokenizers`: in the first token every replacement character is
            // dropped (unless the scheme is "never"); elsewhere each becomes a space.
            return tokens.enumerated().map { index, token in
                var view = String.UnicodeScalarView()
                for s in token.unicodeScalars {
                    if s == replacement {
                        if index == 0 && scheme != .never { continue }
                        view.append(" ")
                    } else {
                        view.append(s)
                    }
                }
                return String(view)
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { index, token in
                var t = token
                if index != 0 {
                    if !prefix.isEmpty, t.utf8.starts(with: prefix.utf8) {
                        t = String(decoding: t.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                    } else {
                        t = " " + t
                    }
                }
                return cleanup ? TokenDecoder.cleanup(t) : t
            }
        case .bpe(let suffix):
            let suffixScalars = Array(suffix.unicodeScalars)
            return tokens.enumerated().map { index, token in
                let replacement: [Unicode.Scalar] = index == tokens.count - 1 ? [] : [" "]
                return TokenDecoder.string(
                    TextPattern.string(suffixScalars).replace(in: Array(token.unicodeScalars), with: replacement))
            }
        }
    }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func validUTF8(_ bytes: [UInt8]) -> String? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: return nil
            }
        }
    }

    /// WordPiece's `cleanup`: undo the spaces a word-level split put before punctuation.
    private static func cleanup(_ s: String) -> String {
        let rules: [(String, String)] = [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
            (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ]
        var scalars = Array(s.unicodeScalars)
        for (from, to) in rules {
            scalars = TextPattern.string(Array(from.unicodeScalars)).replace(in: scalars, with: Array(to.unicodeScalars))
        }
        return string(scalars)
    }
}
