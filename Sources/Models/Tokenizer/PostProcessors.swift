/// A `post_processor` of `tokenizer.json`, for single sequences.
indirect enum PostProcessor: Sendable {
    /// `TemplateProcessing`'s `single` template: special-token ids before and after `$A`.
    case template(before: [Int], after: [Int])
    /// `ByteLevel` (only changes offsets), `RobertaProcessing`, `BertProcessing`: cls … sep.
    case byteLevel
    case wrap(cls: Int, sep: Int)
    case sequence([PostProcessor])

    static let supported = ["TemplateProcessing", "ByteLevel", "RobertaProcessing", "BertProcessing", "Sequence"]

    static func parse(_ node: JSONNode) throws(TokenizerError) -> PostProcessor? {
        if node.isNull { return nil }
        switch try node.componentType(supported: supported) {
        case "Sequence":
            var items: [PostProcessor] = []
            for child in try node["processors"].array() {
                if let p = try parse(child) { items.append(p) }
            }
            return .sequence(items)
        case "ByteLevel":
            return .byteLevel
        case "RobertaProcessing", "BertProcessing":
            return .wrap(cls: try tokenPair(node["cls"]), sep: try tokenPair(node["sep"]))
        case "TemplateProcessing":
            return try parseTemplate(node)
        default:
            throw node["type"].error("is not supported")
        }
    }

    /// `["<s>", 0]` → 0.
    private static func tokenPair(_ node: JSONNode) throws(TokenizerError) -> Int {
        let pair = try node.array()
        guard pair.count == 2 else { throw node.error("must be [token, id]") }
        _ = try pair[0].string()
        return try pair[1].int()
    }

    private static func parseTemplate(_ node: JSONNode) throws(TokenizerError) -> PostProcessor {
        var specials: [String: [Int]] = [:]
        let specialsNode = node["special_tokens"]
        if !specialsNode.isNull {
            for (name, entry) in try specialsNode.object() {
                specials[name] = try entry["ids"].array().map { (n: JSONNode) throws(TokenizerError) -> Int in try n.int() }
            }
        }
        var before: [Int] = []
        var after: [Int] = []
        var seenSequence = false
        for piece in try node["single"].array() {
            if piece.has("Sequence") {
                let id = try piece["Sequence"]["id"].string()
                guard id == "A", !seenSequence else {
                    throw piece["Sequence"]["id"].error("\"\(id)\" is not supported in a single-sequence template")
                }
                seenSequence = true
            } else if piece.has("SpecialToken") {
                let idNode = piece["SpecialToken"]["id"]
                let name = try idNode.string()
                guard let ids = specials[name] else {
                    throw idNode.error("\"\(name)\" is not in post_processor.special_tokens")
                }
                if seenSequence { after += ids } else { before += ids }
            } else {
                throw piece.error("must be {\"Sequence\": …} or {\"SpecialToken\": …}")
            }
        }
        return .template(before: before, after: after)
    }

    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int] {
        guard addSpecialTokens else { return ids }
        switch self {
        case .template(let before, let after): return before + ids + after
        case .byteLevel: return ids
        case .wrap(let cls, let sep): return [cls] + ids + [sep]
        case .sequence(let items): return items.reduce(ids) { $1.process($0, addSpecialTokens: true) }
        }
    }

    /// The ids added in front of a single sequence.
    var prefixIds: [Int] {
        switch self {
        case .template(let before, _): return before
        case .byteLevel: return []
        case .wrap(let cls, _): return [cls]
        case .sequence(let items): return items.reduce([]) { $1.prefixIds + $0 }
        }
    }

    /// The ids added after a single sequence.
    var suffixIds: [Int] {
        switch self {
        case .template(_, let after): return after
        case .byteLevel: return []
        case .wrap(_, let sep): return [sep]
        case .sequence(let items): return items.reduce([]) { $0 + $1.suffixIds }
        }
    }
}
