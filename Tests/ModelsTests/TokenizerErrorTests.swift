import Foundation
import Testing

@testable import Models

/// Bad input gets a `TokenizerError` naming the file and the JSON path; nothing crashes.
@Suite("Tokenizer errors")
struct TokenizerErrorTests {
    /// A minimal valid tokenizer.json with `changes` applied to the top-level object.
    static func json(_ changes: [String: Any] = [:]) -> Data {
        var top: [String: Any] = [
            "version": "1.0",
            "added_tokens": [] as [Any],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Whitespace"],
            "post_processor": NSNull(),
            "decoder": NSNull(),
            "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": [["a", "b"]]],
        ]
        for (k, v) in changes { top[k] = v }
        return try! JSONSerialization.data(withJSONObject: top)
    }

    static func loadError(_ data: Data, name: String = "tokenizer.json") -> TokenizerError? {
        #expect(throws: TokenizerError.self) { try Tokenizer(json: data, name: name) }
    }

    static func tempFile(_ contents: Data) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("tokenizer.json")
        try contents.write(to: url)
        return url
    }

    @Test("the minimal tokenizer loads and works")
    func minimalLoads() throws {
        let tokenizer = try Tokenizer(json: Self.json())
        #expect(tokenizer.encode("ab a b") == [2, 0, 1])
        #expect(tokenizer.vocabSize == 3)
    }

    @Test("a missing file is named")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/circuitry/tokenizer.json")
        let error = #expect(throws: TokenizerError.self) { try Tokenizer(contentsOf: url) }
        #expect(error?.description.contains("/nonexistent/circuitry/tokenizer.json") == true)
        #expect(error?.description.contains("cannot be read") == true)
    }

    @Test("invalid JSON names the file, line and column")
    func badJSON() throws {
        let url = try Self.tempFile(Data("{\n  \"model\": {\"type\": \"BPE\",,}\n}".utf8))
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let error = #expect(throws: TokenizerError.self) { try Tokenizer(contentsOf: url) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix(url.path + ": "), "\(text)")
        #expect(text.contains("not valid JSON"), "\(text)")
        #expect(text.contains("line 2"), "\(text)")

        // The folder form names the file inside it.
        let viaFolder = #expect(throws: TokenizerError.self) {
            try Tokenizer.load(directory: url.deletingLastPathComponent())
        }
        #expect(viaFolder?.file == url.path)
    }

    @Test("truncated, empty and non-object JSON", arguments: ["", "{", "{\"model\": ", "[1, 2]", "\"text\"", "{} x"])
    func malformed(text: String) {
        let error = Self.loadError(Data(text.utf8), name: "bad/tokenizer.json")
        #expect(error?.file == "bad/tokenizer.json")
        #expect(error?.description.hasPrefix("bad/tokenizer.json: ") == true)
    }

    @Test("deeply nested JSON is refused, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = Self.loadError(Data(text.utf8))
        #expect(error?.message.contains("nesting") == true)
    }

    @Test("an unknown model type names model.type")
    func unknownModel() {
        let error = Self.loadError(Self.json(["model": ["type": "Foo", "vocab": [:] as [String: Any]]]))
        #expect(error?.path == "model.type")
        #expect(error?.description == "tokenizer.json: model.type \"Foo\" is not supported (supported: BPE, WordLevel)")
    }

    @Test("unsupported models: Unigram and WordPiece")
    func unsupportedModels() {
        let unigram = Self.loadError(Self.json(["model": ["type": "Unigram", "vocab": [["a", 0.0]]]]))
        #expect(unigram?.description.contains("model.type \"Unigram\" is not supported") == true)
        let wordPiece = Self.loadError(Self.json(["model": ["vocab": ["a": 0], "max_input_chars_per_word": 100]]))
        #expect(wordPiece?.description.contains("model.type \"WordPiece\" is not supported") == true)
    }

    @Test("an unsupported pre-tokenizer names pre_tokenizer.type")
    func unsupportedPreTokenizer() {
        let error = Self.loadError(Self.json(["pre_tokenizer": ["type": "UnicodeScripts"]]))
        #expect(error?.path == "pre_tokenizer.type")
        let text = error?.description ?? ""
        #expect(text.hasPrefix("tokenizer.json: pre_tokenizer.type \"UnicodeScripts\" is not supported (supported: "))
        #expect(text.contains("ByteLevel"))
    }

    @Test("a nested unsupported component names its full path")
    func nested() {
        let sequence: [String: Any] = [
            "type": "Sequence",
            "pretokenizers": [["type": "Whitespace"], ["type": "Foo"]],
        ]
        let error = Self.loadError(Self.json(["pre_tokenizer": sequence]))
        #expect(error?.path == "pre_tokenizer.pretokenizers[1].type")
    }

    @Test("unsupported normalizer, decoder and post-processor types")
    func otherComponents() {
        let n = Self.loadError(Self.json(["normalizer": ["type": "Precompiled", "precompiled_charsmap": "x"]]))
        #expect(n?.description.contains("normalizer.type \"Precompiled\" is not supported") == true)
        let d = Self.loadError(Self.json(["decoder": ["type": "CTC"]]))
        #expect(d?.description.contains("decoder.type \"CTC\" is not supported") == true)
        let p = Self.loadError(Self.json(["post_processor": ["type": "Nope"]]))
        #expect(p?.description.contains("post_processor.type \"Nope\" is not supported") == true)
        let missingType = Self.loadError(Self.json(["decoder": ["kind": "ByteLevel"]]))
        #expect(missingType?.description == "tokenizer.json: decoder.type is missing (expected a string)")
    }

    @Test("an unsupported regex names the pattern and why")
    func unsupportedRegex() {
        let split: [String: Any] = [
            "type": "Split", "pattern": ["Regex": "(?<=a)b"], "behavior": "Isolated", "invert": false,
        ]
        let error = Self.loadError(Self.json(["pre_tokenizer": split]))
        #expect(error?.path == "pre_tokenizer.pattern.Regex")
        #expect(error?.message.contains("lookbehind") == true)
        #expect(error?.message.contains("(?<=a)b") == true)
    }

    @Test("an unknown split behavior and prepend scheme are named")
    func badEnums() {
        let split: [String: Any] = ["type": "Split", "pattern": ["String": " "], "behavior": "Sideways"]
        #expect(Self.loadError(Self.json(["pre_tokenizer": split]))?.path == "pre_tokenizer.behavior")
        let meta: [String: Any] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"]
        #expect(Self.loadError(Self.json(["pre_tokenizer": meta]))?.path == "pre_tokenizer.prepend_scheme")
        let badChar: [String: Any] = ["type": "Metaspace", "replacement": "ab"]
        #expect(Self.loadError(Self.json(["pre_tokenizer": badChar]))?.path == "pre_tokenizer.replacement")
    }

    @Test("merges with tokens outside the vocabulary are named by index")
    func badMerges() {
        let model: [String: Any] = ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": [["a", "b"], ["a", "c"]]]
        let error = Self.loadError(Self.json(["model": model]))
        #expect(error?.path == "model.merges[1]")
        #expect(error?.message.contains("\"c\"") == true)
        let legacy: [String: Any] = ["type": "BPE", "vocab": ["a": 0, "b": 1], "merges": ["a b c"]]
        #expect(Self.loadError(Self.json(["model": legacy]))?.path == "model.merges[0]")
        let unmerged: [String: Any] = ["type": "BPE", "vocab": ["a": 0, "b": 1], "merges": ["a b"]]
        #expect(Self.loadError(Self.json(["model": unmerged]))?.message.contains("\"ab\"") == true)
    }

    @Test("wrong JSON types are named with what was expected")
    func wrongTypes() {
        let vocabArray: [String: Any] = ["type": "BPE", "vocab": ["a", "b"], "merges": [] as [Any]]
        #expect(Self.loadError(Self.json(["model": vocabArray]))?.description
            == "tokenizer.json: model.vocab is an array, expected an object")
        let badId: [String: Any] = ["type": "BPE", "vocab": ["a": -1], "merges": [] as [Any]]
        #expect(Self.loadError(Self.json(["model": badId]))?.path == "model.vocab.a")
        let badAdded = Self.loadError(Self.json(["added_tokens": [["id": "x", "content": "<s>"]]]))
        #expect(badAdded?.path == "added_tokens[0].id")
        #expect(Self.loadError(Self.json(["model": NSNull()]))?.description == "tokenizer.json: model is missing")
        let wordLevel: [String: Any] = ["type": "WordLevel", "vocab": ["a": 0], "unk_token": "[UNK]"]
        #expect(Self.loadError(Self.json(["model": wordLevel]))?.path == "model.unk_token")
    }

    @Test("a template naming an undefined special token")
    func badTemplate() {
        let template: [String: Any] = [
            "type": "TemplateProcessing",
            "single": [["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
            "pair": [] as [Any],
            "special_tokens": [:] as [String: Any],
        ]
        let error = Self.loadError(Self.json(["post_processor": template]))
        #expect(error?.path == "post_processor.single[0].SpecialToken.id")
        #expect(error?.message.contains("<s>") == true)
    }

    @Test("the error reads well through localizedDescription")
    func localized() {
        let error: Error? = Self.loadError(Self.json(["pre_tokenizer": ["type": "Foo"]]))
        #expect(error?.localizedDescription.hasPrefix("tokenizer.json: pre_tokenizer.type \"Foo\"") == true)
    }
}
