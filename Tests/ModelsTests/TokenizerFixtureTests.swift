import Foundation
import Testing

@testable import Models

/// The shared Llama-2-style tokenizer of the stories260K model, beside the repository.
let storiesDirectory = sharedModel("stories260K")

struct TokenizerCase: Decodable {
    let text: String
    let ids: [Int]
    let ids_no_special: [Int]
    let decoded: String
    let decoded_skip: String?
}

struct TokenizerMeta: Decodable {
    struct Entry: Decodable {
        let token: String
        let id: Int
        let id_to_token: String
    }

    struct DecodeCase: Decodable {
        let ids: [Int]
        let decoded: String
        let decoded_skip: String
    }

    let vocab_size: Int
    let tokens: [Entry]
    let decode_cases: [DecodeCase]
}

func readJSON<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// Scalar-exact comparison (Swift's `==` on strings is canonical equivalence).
func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}

func visible(_ s: String) -> String {
    s.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : $0.escaped(asASCII: true) }.joined()
}

/// Checks every case; records the first mismatch of each kind with both sides, and returns the number of failures.
@discardableResult
func checkCases(_ tokenizer: Tokenizer, _ cases: [TokenizerCase], label: String) -> Int {
    var failures = 0
    var reported = Set<String>()
    func fail(_ kind: String, _ message: String) {
        failures += 1
        if reported.insert(kind).inserted {
            Issue.record("\(label): \(kind) mismatch (first of its kind)\n\(message)")
        }
    }
    for c in cases {
        let ids = tokenizer.encode(c.text)
        if ids != c.ids {
            fail("encode", "text: \"\(visible(c.text))\"\n  expected: \(c.ids)\n  actual:   \(ids)")
        }
        let plain = tokenizer.encode(c.text, addSpecialTokens: false)
        if plain != c.ids_no_special {
            fail("encode(addSpecialTokens: false)",
                 "text: \"\(visible(c.text))\"\n  expected: \(c.ids_no_special)\n  actual:   \(plain)")
        }
        let decoded = tokenizer.decode(c.ids)
        if !sameScalars(decoded, c.decoded) {
            fail("decode", "ids: \(c.ids)\n  expected: \"\(visible(c.decoded))\"\n  actual:   \"\(visible(decoded))\"")
        }
        if let expected = c.decoded_skip {
            let skipped = tokenizer.decode(c.ids, skipSpecialTokens: true)
            if !sameScalars(skipped, expected) {
                fail("decode(skipSpecialTokens: true)",
                     "ids: \(c.ids)\n  expected: \"\(visible(expected))\"\n  actual:   \"\(visible(skipped))\"")
            }
        }
    }
    return failures
}

let fixtureNames = [
    "bytelevel-bpe", "neox-style", "llama-bpe", "wordlevel", "roberta-style", "metaspace-digits", "llama3-regex",
    "bpe-suffix", "bert-like",
]

@Suite("Tokenizer fixtures")
struct TokenizerFixtureTests {
    @Test("encode and decode match tokenizers on every case", arguments: fixtureNames)
    func cases(name: String) throws {
        let dir = tokenizerFixtures.appendingPathComponent(name)
        let tokenizer = try Tokenizer.load(directory: dir)
        let cases = try readJSON([TokenizerCase].self, dir.appendingPathComponent("cases.json"))
        #expect(cases.count >= 300)
        let failures = checkCases(tokenizer, cases, label: name)
        #expect(failures == 0, "\(failures) of \(cases.count * 4) checks failed for \(name)")
    }

    @Test("vocabulary size, token lookups and decoding of arbitrary ids", arguments: fixtureNames)
    func meta(name: String) throws {
        let dir = tokenizerFixtures.appendingPathComponent(name)
        let tokenizer = try Tokenizer(contentsOf: dir.appendingPathComponent("tokenizer.json"))
        let meta = try readJSON(TokenizerMeta.self, dir.appendingPathComponent("meta.json"))
        #expect(tokenizer.vocabSize == meta.vocab_size)
        for entry in meta.tokens {
            #expect(tokenizer.id(for: entry.token) == entry.id, "id(for: \"\(visible(entry.token))\")")
            #expect(tokenizer.token(for: entry.id).map { sameScalars($0, entry.id_to_token) } == true, "token(for: \(entry.id))")
        }
        var failures = 0
        for c in meta.decode_cases {
            let decoded = tokenizer.decode(c.ids)
            let skipped = tokenizer.decode(c.ids, skipSpecialTokens: true)
            if !sameScalars(decoded, c.decoded) || !sameScalars(skipped, c.decoded_skip) {
                failures += 1
                if failures == 1 {
                    Issue.record("""
                        \(name): decode of \(c.ids)
                          expected: "\(visible(c.decoded))" / skip: "\(visible(c.decoded_skip))"
                          actual:   "\(visible(decoded))" / skip: "\(visible(skipped))"
                        """)
                }
            }
        }
        #expect(failures == 0)
        #expect(tokenizer.token(for: -1) == nil)
        #expect(tokenizer.token(for: 1_000_000) == nil)
        #expect(tokenizer.decode([1_000_000]) == "")
    }

    @Test("special token ids")
    func specialIds() throws {
        let llama = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent("llama-bpe"))
        #expect(llama.bosTokenId == 1)
        #expect(llama.eosTokenId == 2)
        #expect(llama.unknownTokenId == 0)
        #expect(llama.padTokenId == nil)

        let neox = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent("neox-style"))
        #expect(neox.bosTokenId == nil)
        #expect(neox.eosTokenId == neox.id(for: "<|endoftext|>"))
        #expect(neox.padTokenId == neox.id(for: "<|padding|>"))
        #expect(neox.specialTokenIds == [neox.id(for: "<|endoftext|>")!, neox.id(for: "<|padding|>")!])

        let gpt2 = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent("bytelevel-bpe"))
        #expect(gpt2.bosTokenId == nil)
        #expect(gpt2.eosTokenId == gpt2.id(for: "<|endoftext|>"))

        let bert = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent("wordlevel"))
        #expect(bert.bosTokenId == bert.id(for: "[CLS]"))
        #expect(bert.eosTokenId == bert.id(for: "[SEP]"))
        #expect(bert.padTokenId == bert.id(for: "[PAD]"))
        #expect(bert.unknownTokenId == bert.id(for: "[UNK]"))

        let bertLike = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent("bert-like"))
        #expect(bertLike.padTokenId == 0)  // from padding.pad_id
        #expect(bertLike.bosTokenId == 2)
        #expect(bertLike.eosTokenId == 3)

        let meta = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent("metaspace-digits"))
        #expect(meta.bosTokenId == meta.id(for: "<bos>"))
        #expect(meta.eosTokenId == meta.id(for: "<eos>"))
    }

    @Test("the shared stories260K tokenizer", .enabled(if: storiesDirectory != nil, "../shared/models/stories260K is absent"))
    func stories260K() throws {
        let tokenizer = try Tokenizer.load(directory: storiesDirectory!)
        let cases = try readJSON([TokenizerCase].self, tokenizerFixtures.appendingPathComponent("tok512-cases.json"))
        #expect(cases.count >= 300)
        #expect(tokenizer.vocabSize == 512)
        #expect(tokenizer.bosTokenId == 1)
        #expect(tokenizer.eosTokenId == 2)
        let failures = checkCases(tokenizer, cases, label: "stories260K")
        #expect(failures == 0, "\(failures) of \(cases.count * 4) checks failed for stories260K")
    }

    @Test("a tokenizer is usable from many tasks at once")
    func concurrentUse() async throws {
        let dir = tokenizerFixtures.appendingPathComponent("bytelevel-bpe")
        let tokenizer = try Tokenizer.load(directory: dir)
        let cases = try readJSON([TokenizerCase].self, dir.appendingPathComponent("cases.json"))
        let texts = cases.map(\.text)
        let expected = cases.map(\.ids)
        let results = await withTaskGroup(of: Bool.self) { group in
            for shard in 0..<8 {
                group.addTask {
                    var ok = true
                    for i in stride(from: shard, to: texts.count, by: 8) where tokenizer.encode(texts[i]) != expected[i] {
                        ok = false
                    }
                    return ok
                }
            }
            var all = true
            for await ok in group { all = all && ok }
            return all
        }
        #expect(results)
    }
}
