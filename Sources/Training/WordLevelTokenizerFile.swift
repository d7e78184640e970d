import Foundation

/// A word-level `tokenizer.json` (the `tokenizers` WordLevel model) for a synthetic language:
/// lower-casing normalizer, `Whitespace` pre-tokenizer (`\w+|[^\w\s]+`, so "waiter." is
/// "waiter" "."), and a post-processor that puts `<bos>` first. Hugging Face's `tokenizers`
/// and circuitry's `Tokenizer` both load it and encode id for id.
public struct WordLevelTokenizerFile: Sendable, Equatable {
    /// Special tokens, ids 0…3 in this order.
    public static let unknown = "<unk>", bos = "<bos>", eos = "<eos>", pad = "<pad>"
    public static let specialTokens = [unknown, bos, eos, pad]

    /// Every token by id: the specials, then the words in sorted order.
    public let vocabulary: [String]

    public init(words: Set<String>) {
        vocabulary = Self.specialTokens + words.subtracting(Self.specialTokens).sorted()
    }

    public var bosId: Int { 1 }
    public var eosId: Int { 2 }
    public var padId: Int { 3 }

    /// The pieces the pre-tokenizer makes of `text` after lower-casing: runs of word characters and
    /// runs of other non-space characters (what `tokenizers`' `Whitespace` does).
    public static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var currentIsWord = false
        for character in text.lowercased() {
            if character.isWhitespace {
                if !current.isEmpty { pieces.append(current) }
                current = ""
                continue
            }
            let isWord = character.isLetter || character.isNumber || character == "_"
            if !current.isEmpty, isWord != currentIsWord {
                pieces.append(current)
                current = ""
            }
            current.append(character)
            currentIsWord = isWord
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// The file's bytes: fixed key order, so the same vocabulary gives the same bytes.
    public func jsonData() -> Data {
        func quoted(_ s: String) -> String {
            let data = try! JSONEncoder().encode(s)
            return String(decoding: data, as: UTF8.self)
        }
        let added = Self.specialTokens.enumerated().map { id, token in
            "    {\"id\": \(id), \"content\": \(quoted(token)), \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}"
        }.joined(separator: ",\n")
        let vocab = vocabulary.enumerated().map { "      \(quoted($0.element)): \($0.offset)" }.joined(separator: ",\n")
        let bos = quoted(Self.bos)
        let text = """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
            \(added)
              ],
              "normalizer": {"type": "Lowercase"},
              "pre_tokenizer": {"type": "Whitespace"},
              "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": \(bos), "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": \(bos), "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {\(bos): {"id": \(bos), "ids": [\(bosId)], "tokens": [\(bos)]}}
              },
              "decoder": null,
              "model": {
                "type": "WordLevel",
                "vocab": {
            \(vocab)
                },
                "unk_token": \(quoted(Self.unknown))
              }
            }

            """
        return Data(text.utf8)
    }

    /// `tokenizer_config.json`, so `transformers.AutoTokenizer` loads the folder and knows the specials.
    public func configData() -> Data {
        Data("""
            {
              "tokenizer_class": "PreTrainedTokenizerFast",
              "bos_token": "\(Self.bos)",
              "eos_token": "\(Self.eos)",
              "unk_token": "\(Self.unknown)",
              "pad_token": "\(Self.pad)",
              "add_bos_token": false,
              "model_max_length": 1000000000000000019884624838656
            }

            """.utf8)
    }
}
