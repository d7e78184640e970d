/// The `WordLevel` model: each pre-tokenized word is one token, or the unknown token.
struct WordLevelModel: Sendable {
    let vocab: Vocabulary
    let unkId: Int

    init(_ node: JSONNode) throws(TokenizerError) {
        vocab = try Vocabulary(node["vocab"])
        let unk = try node["unk_token"].string()
        guard let id = vocab[unk] else {
            throw node["unk_token"].error("\"\(unk)\" is not in model.vocab")
        }
        unkId = id
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        if word.isEmpty { return }
        ids.append(vocab.tokenToId[ExactString(scalars: word)] ?? unkId)
    }
}

/// The `model` of `tokenizer.json`.
enum TokenizerModel: Sendable {
    case bpe(BPEModel)
    case wordLevel(WordLevelModel)

    static let supported = ["BPE", "WordLevel"]

    static func parse(_ node: JSONNode) throws(TokenizerError) -> TokenizerModel {
        if node.isNull { throw node.error("is missing") }
        var type: String
        if node.has("type") {
            type = try node["type"].string()
        } else {
            // Old files leave the type out; infer it as `tokenizers` does.
            if node.has("merges") {
                type = "BPE"
            } else if node.has("max_input_chars_per_word") {
                type = "WordPiece"
            } else if case .array = node["vocab"].value {
                type = "Unigram"
            } else {
                type = "WordLevel"
            }
        }
        switch type {
        case "BPE": return .bpe(try BPEModel(node))
        case "WordLevel": return .wordLevel(try WordLevelModel(node))
        default:
            throw node["type"].error(
                "\"\(type)\" is not supported (supported: \(supported.joined(separator: ", ")))")
        }
    }

    var vocab: Vocabulary {
        switch self {
        case .bpe(let m): m.vocab
        case .wordLevel(let m): m.vocab
        }
    }

    var unkId: Int? {
        switch self {
        case .bpe(let m): m.unkId
        case .wordLevel(let m): m.unkId
        }
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        switch self {
        case .bpe(let m): m.tokenize(word, into: &ids)
        case .wordLevel(let m): m.tokenize(word, into: &ids)
        }
    }
}
