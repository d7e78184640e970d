import Foundation

/// A Hugging Face tokenizer read from `tokenizer.json`, encoding and decoding
/// id-for-id like the `tokenizers` library (checked against `tokenizers` 0.23
/// by the fixtures in `fixtures/tokenizers/`):
///
/// 1. added tokens are split out of the raw text (those with `normalized: false`;
///    `lstrip`, `rstrip` and `single_word` are honoured),
/// 2. the rest is normalized and split on the normalized added tokens,
/// 3. pre-tokenized, 4. tokenized by the model, 5. post-processed (BOS/EOS).
///
/// Components (in `tokenizers`' JSON spelling):
/// - models: `BPE` (merges as `"a b"` or `["a", "b"]`, `byte_fallback`,
///   `fuse_unk`, `unk_token`, `ignore_merges`, `continuing_subword_prefix`,
///   `end_of_word_suffix`), `WordLevel`;
/// - normalizers: `Sequence`, `NFC`, `NFD`, `NFKC`, `NFKD`, `Lowercase`,
///   `StripAccents`, `Strip`, `Prepend`, `Replace`, `BertNormalizer`;
/// - pre-tokenizers: `Sequence`, `ByteLevel`, `Metaspace`, `Whitespace`,
///   `WhitespaceSplit`, `BertPreTokenizer`, `Split`, `Digits`, `Punctuation`;
/// - post-processors: `TemplateProcessing`, `ByteLevel`, `RobertaProcessing`,
///   `BertProcessing`, `Sequence`;
/// - decoders: `Sequence`, `ByteLevel`, `Replace`, `ByteFallback`, `Fuse`,
///   `Strip`, `Metaspace`, `WordPiece`, `BPEDecoder`.
///
/// `Regex` patterns run on a small Oniguruma-compatible engine (`ScalarRegex`);
/// the GPT-2 split of `ByteLevel` is a hand-written scanner. Anything else —
/// `Unigram` and `WordPiece` models, `Precompiled` normalizers, lookbehind in
/// patterns, … — is refused at load time with a `TokenizerError` naming the key.
/// `truncation` and `padding` are ignored, as `transformers` does when a call
/// does not ask for them, and BPE `dropout` is ignored (encoding is deterministic).
/// The tokenizer is immutable apart from an internal, locked word cache, so one
/// instance can serve many tasks at once.
public final class Tokenizer: Sendable {
    /// Number of distinct tokens: the model's vocabulary plus added tokens not in it
    /// (`tokenizers`' `get_vocab_size(with_added_tokens=True)`).
    public let vocabSize: Int
    /// The id the post-processor puts first in a single sequence (e.g. `<s>`), if any.
    public let bosTokenId: Int?
    /// The id the post-processor puts last in a single sequence, else a special
    /// added token spelled like an end-of-sequence token (`</s>`, `<|endoftext|>`, …).
    public let eosTokenId: Int?
    /// `padding.pad_id`, else a special added token spelled like padding (`<pad>`, `<|padding|>`, `[PAD]`).
    public let padTokenId: Int?
    /// The model's unknown token, if it has one.
    public let unknownTokenId: Int?
    /// Ids of the added tokens marked `special`.
    public let specialTokenIds: Set<Int>

    private let model: TokenizerModel
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let postProcessor: PostProcessor?
    private let decoder: TokenDecoder?
    private let addedById: [Int: String]
    private let addedByContent: [ExactString: Int]
    private let specialContents: Set<ExactString>
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher

    /// Loads `tokenizer.json` from a file URL, or from a folder that contains one.
    public convenience init(contentsOf url: URL) throws(TokenizerError) {
        var file = url
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = url.appendingPathComponent("tokenizer.json")
        }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw TokenizerError(file: file.path, path: nil, message: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(json: data, name: file.path)
    }

    /// Loads `directory/tokenizer.json`.
    public static func load(directory: URL) throws(TokenizerError) -> Tokenizer {
        try Tokenizer(contentsOf: directory.appendingPathComponent("tokenizer.json"))
    }

    /// Reads the contents of a `tokenizer.json`; `name` is the file name used in errors.
    public init(json data: Data, name: String = "tokenizer.json") throws(TokenizerError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse([UInt8](data), multiline: true)
        } catch {
            throw TokenizerError(file: name, path: nil, message: "is not valid JSON: \(error.message)")
        }
        let top = JSONNode(value: root, path: "", file: name)
        guard case .object = root else {
            throw TokenizerError(file: name, path: nil, message: "must hold a JSON object, not \(root.typeName)")
        }

        let model = try TokenizerModel.parse(top["model"])
        let normalizer = try Normalizer.parse(top["normalizer"])
        self.model = model
        self.normalizer = normalizer
        preTokenizer = try PreTokenizer.parse(top["pre_tokenizer"])
        let postProcessor = try PostProcessor.parse(top["post_processor"])
        self.postProcessor = postProcessor
        decoder = try TokenDecoder.parse(top["decoder"])

        // Added tokens take the model's id when the model knows the content.
        let vocab = model.vocab
        var addedById: [Int: String] = [:]
        var addedByContent: [ExactString: Int] = [:]
        var specialContents: Set<ExactString> = []
        var specialIds: Set<Int> = []
        var rawMatcher = AddedTokenMatcher()
        var normalizedMatcher = AddedTokenMatcher()
        var extra = 0
        let addedNodes = top["added_tokens"].isNull ? [] : try top["added_tokens"].array()
        for node in addedNodes {
            let parsed = try AddedToken(node)
            if parsed.content.isEmpty { continue }
            let key = ExactString(parsed.content)
            let id = vocab.tokenToId[key] ?? parsed.id
            if vocab.tokenToId[key] == nil && addedByContent[key] == nil { extra += 1 }
            let token = AddedToken(copying: parsed, id: id)
            let content = Array(token.content.unicodeScalars)
            // A normalized token is spelled as the normalizer writes it, both when
            // matched in normalized text and when its id is turned back into a token.
            let spelling = token.normalized ? (normalizer?.apply(content) ?? content) : content
            addedById[id] = ExactString(scalars: spelling).value
            addedByContent[key] = id
            if token.special {
                specialContents.insert(key)
                specialIds.insert(id)
            }
            if token.normalized {
                normalizedMatcher.add(token, pattern: spelling)
            } else {
                rawMatcher.add(token, pattern: content)
            }
        }
        self.addedById = addedById
        self.addedByContent = addedByContent
        self.specialContents = specialContents
        self.specialTokenIds = specialIds
        self.rawMatcher = rawMatcher
        self.normalizedMatcher = normalizedMatcher
        vocabSize = vocab.count + extra
        unknownTokenId = model.unkId

        func special(named names: [String]) -> Int? {
            for name in names {
                let key = ExactString(name)
                if specialContents.contains(key), let id = addedByContent[key] { return id }
            }
            return nil
        }
        bosTokenId = postProcessor?.prefixIds.first
        eosTokenId = postProcessor?.suffixIds.last
            ?? special(named: ["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|eos|>"])
        let padding = top["padding"]
        if !padding.isNull, padding.has("pad_id") {
            padTokenId = try padding["pad_id"].int()
        } else {
            padTokenId = special(named: ["<pad>", "<|padding|>", "[PAD]", "<|pad|>"])
        }
    }

    /// The ids of `text`, as `tokenizers`' `encode(text, add_special_tokens=…).ids`.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        let scalars = Array(text.unicodeScalars)
        let whole = TextPiece(scalars: scalars, firstSpan: scalars.isEmpty ? 0 : 1)
        for segment in rawMatcher.split(whole) {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(var piece):
                if let normalizer { piece.scalars = normalizer.apply(piece.scalars, firstSpan: &piece.firstSpan) }
                for inner in normalizedMatcher.split(piece) {
                    switch inner {
                    case .token(let id):
                        ids.append(id)
                    case .text(let text):
                        let words = preTokenizer?.apply([text]) ?? [text]
                        for word in words {
                            model.tokenize(word.scalars, into: &ids)
                        }
                    }
                }
            }
        }
        return postProcessor?.process(ids, addSpecialTokens: addSpecialTokens) ?? ids
    }

    /// The text of `ids`, as `tokenizers`' `decode(ids, skip_special_tokens=…)`.
    /// Unknown ids are left out.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(for: id) else { continue }
            if skipSpecialTokens && specialContents.contains(ExactString(token)) { continue }
            tokens.append(token)
        }
        if let decoder { return decoder.decode(tokens) }
        return tokens.joined(separator: " ")
    }

    /// The token spelled by `id` (added tokens first, then the model's vocabulary).
    /// As in `tokenizers`, an added token with `normalized: true` comes back as
    /// the normalizer spells it (`▁Circuit` for `Circuit` under a `Prepend("▁")`).
    public func token(for id: Int) -> String? {
        addedById[id] ?? model.vocab.idToToken[id]
    }

    /// The id of the token spelled exactly `token` (added tokens first, then the model's vocabulary).
    public func id(for token: String) -> Int? {
        let key = ExactString(token)
        return addedByContent[key] ?? model.vocab.tokenToId[key]
    }
}

extension AddedToken {
    init(copying other: AddedToken, id: Int) {
        self = other
        self.id = id
    }
}
