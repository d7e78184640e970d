import Foundation
import Testing

@testable import Models

/// Tests of the parts on their own: the GPT-2 scanner, the regex engine, the
/// JSON parser, the BPE merge loop, and scalar-exact vocabularies.
@Suite("Tokenizer components")
struct TokenizerComponentTests {
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// Deterministic pseudo-random numbers (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func randomText(_ rng: inout Random, length: Int) -> [Unicode.Scalar] {
        let alphabet: [Unicode.Scalar] = [
            "a", "b", "Z", "'", "s", "t", "r", "e", "l", "d", "m", "v", " ", " ", " ", "\t", "\n", "\r", "1", "9",
            ".", ",", "!", "é", "\u{0301}", "日", "😀", "\u{00A0}", "\u{3000}", "½", "_", "-", "Ⓐ", "\u{200D}",
        ]
        return (0..<length).map { _ in alphabet[rng.below(alphabet.count)] }
    }

    @Test("the hand-written GPT-2 scanner splits exactly like the regex")
    func gpt2ScannerMatchesRegex() throws {
        let regex = try ScalarRegex(Self.gpt2Pattern)
        var rng = Random(state: 42)
        var texts: [[Unicode.Scalar]] = (0..<2000).map { _ in Self.randomText(&rng, length: rng.below(40)) }
        let cases = try readJSON(
            [TokenizerCase].self, tokenizerFixtures.appendingPathComponent("bytelevel-bpe/cases.json"))
        texts += cases.map { Array($0.text.unicodeScalars) }
        for text in texts {
            let scanned = ByteLevel.gpt2Spans(text[...])
            let matched = regex.matches(in: text[...])
            #expect(scanned == matched, "\"\(visible(String(String.UnicodeScalarView(text))))\"")
            if scanned != matched { break }
        }
    }

    @Test("the GPT-2 scanner works on scalars, not grapheme clusters")
    func gpt2Scalars() {
        // "é" as e + U+0301 is one Character but two scalars: a letter and a mark.
        let text = Array("cafe\u{301} 👨‍👩‍👧".unicodeScalars)
        let pieces = ByteLevel.gpt2Spans(text[...]).map { String(String.UnicodeScalarView(text[$0])) }
        #expect(pieces.map { Array($0.unicodeScalars) } == [
            Array("cafe".unicodeScalars), ["\u{301}"], Array(" 👨‍👩‍👧".unicodeScalars),
        ])
    }

    @Test("regex features", arguments: [
        // (pattern, text, expected matches as strings)
        ("a+?", "aaa", ["a", "a", "a"]),
        ("a{2}", "aaaaa", ["aa", "aa"]),
        ("a{2,}", "aaaaa", ["aaaaa"]),
        ("a{1,2}", "aaaaa", ["aa", "aa", "a"]),
        ("\\p{N}{1,3}", "1234567", ["123", "456", "7"]),
        ("x{,2}y", "xxxy", ["xxy"]),
        ("a{x}", "a{x}", ["a{x}"]),
        ("(?i:'s|'ll)", "IT'S I'LL it's", ["'S", "'LL", "'s"]),
        ("(?i)abc", "ABC aBc", ["ABC", "aBc"]),
        ("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+", "$hello world\nnext", ["$hello", " world", "next"]),
        ("\\s*[\\r\\n]+", "a \n\n b", [" \n\n"]),
        ("\\s+(?!\\S)|\\s+", "a   b  ", ["  ", " ", "  "]),
        ("a(?=b)", "ab ac", ["a"]),
        ("[a-c]+", "abcdcba", ["abc", "cba"]),
        ("[-a]+", "a-a b", ["a-a"]),
        ("[\\]x]+", "]x]", ["]x]"]),
        ("\\x41\\u0042\\x{43}", "ABC", ["ABC"]),
        ("a*", "baa", ["", "aa"]),  // the onig crate skips an empty match right after a match
        ("a++a", "aaa", [] as [String]),
        ("(?:ab)+", "ababab", ["ababab"]),
        ("(a|ab)c", "abc", ["abc"]),
        ("^a|b$", "a\nab", ["a", "a", "b"]),
        ("\\Aa", "aa", ["a"]),
        ("\\P{L}+", "ab12!c", ["12!"]),
        ("\\p{Lu}\\p{Ll}+", "Hello World", ["Hello", "World"]),
        (".+", "ab\ncd", ["ab", "cd"]),
        ("[\\d_]+", "a1_2b", ["1_2"]),
    ] as [(String, String, [String])])
    func regexFeatures(pattern: String, text: String, expected: [String]) throws {
        let regex = try ScalarRegex(pattern)
        let scalars = Array(text.unicodeScalars)
        let found = regex.matches(in: scalars[...]).map { String(String.UnicodeScalarView(scalars[$0])) }
        #expect(found == expected)
    }

    @Test("a repeated group on long input does not exhaust the stack")
    func regexLongGroup() async throws {
        let regex = try ScalarRegex("(?:ab)+")
        let text = Array(String(repeating: "ab", count: 50_000).unicodeScalars)
        // Run on a cooperative-pool thread, whose stack is smaller than the main thread's.
        let spans = await Task.detached { regex.matches(in: text[...]) }.value
        #expect(spans.count == 50)
        #expect(spans.allSatisfy { $0.count == 2 * ScalarRegex.maxGroupRepetitions })
    }

    @Test("unsupported regex syntax is rejected with a reason", arguments: [
        "(?<=a)b", "(?<!a)b", "\\bword", "(a)\\1", "*a", "[a", "(a", "a)", "\\p{Greek}", "[[a]]", "\\",
    ])
    func regexRejects(pattern: String) {
        #expect(throws: ScalarRegex.SyntaxError.self) { try ScalarRegex(pattern) }
    }

    @Test("JSON parsing: escapes, surrogate pairs, numbers, duplicate-looking keys")
    func json() throws {
        let text = #"{"a\u00e9":"x\ny\t\"\\\/","b":[1,-2.5e3,true,false,null],"😀\ud83d\ude00":{},"e\u0301":1,"é":2}"#
        let value = try JSONParser.parse(Array(text.utf8))
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map { Array($0.key.unicodeScalars) } == [
            Array("aé".unicodeScalars), ["b"], Array("😀😀".unicodeScalars), ["e", "\u{301}"], ["é"],
        ])
        if case .string(let s) = members[0].value {
            #expect(s == "x\ny\t\"\\/")
        } else {
            Issue.record("expected a string")
        }
        if case .array(let items) = members[1].value, case .number(let n) = items[1], let n = Double(n) {
            #expect(n == -2500)
            #expect(items.count == 5)
        } else {
            Issue.record("expected an array")
        }
        for bad in [#"{"a":1,}"#, #"[01x]"#, #""\ud800""#, #""\x""#, "\"a\u{01}\"", "[1 2]", "nul", "-", "1.", "{\"a\"}"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test("vocabulary entries that are canonically equivalent stay apart")
    func exactVocabulary() throws {
        let json = """
            {"model": {"type": "WordLevel", "unk_token": "[UNK]",
                       "vocab": {"\\u00e9": 0, "e\\u0301": 1, "[UNK]": 2, "\\u212b": 3}},
             "pre_tokenizer": {"type": "WhitespaceSplit"}}
            """
        let tokenizer = try Tokenizer(json: Data(json.utf8))
        #expect(tokenizer.encode("\u{E9} e\u{301} \u{C5} \u{212B}") == [0, 1, 2, 3])
        #expect(tokenizer.id(for: "e\u{301}") == 1)
        #expect(tokenizer.id(for: "\u{E9}") == 0)
        #expect(tokenizer.token(for: 1).map { Array($0.unicodeScalars) } == ["e", "\u{301}"])
        #expect(tokenizer.vocabSize == 4)
        #expect(tokenizer.decode([0, 1]) == "\u{E9} e\u{301}")
    }

    /// BPE the slow way: merge the lowest-ranked adjacent pair (leftmost on ties) until none is left.
    static func naiveBPE(_ word: [String], ranks: [String: Int]) -> [String] {
        var symbols = word
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)? = nil
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[i] + " " + symbols[i + 1]], best == nil || r < best!.rank {
                    best = (r, i)
                }
            }
            guard let (_, i) = best else { break }
            symbols[i] += symbols[i + 1]
            symbols.remove(at: i + 1)
        }
        return symbols
    }

    @Test("the heap-driven BPE merge loop equals the naive one on long random words")
    func bpeMatchesNaive() throws {
        let dir = tokenizerFixtures.appendingPathComponent("bytelevel-bpe")
        let tokenizer = try Tokenizer.load(directory: dir)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("tokenizer.json")))
        let model = (object as! [String: Any])["model"] as! [String: Any]
        var ranks: [String: Int] = [:]
        for (rank, pair) in (model["merges"] as! [[String]]).enumerated() where ranks[pair.joined(separator: " ")] == nil {
            ranks[pair.joined(separator: " ")] = rank
        }
        var rng = Random(state: 7)
        let letters = Array("etaoinshrdlucmfwypvbgkqjxz")
        for length in [1, 2, 3, 10, 50, 300, 3000] {
            for _ in 0..<5 {
                // Skewed towards frequent letters so that many merges apply.
                let word = (0..<length).map { _ in String(letters[min(rng.below(26), rng.below(26))]) }
                let expected = Self.naiveBPE(word, ranks: ranks).map { tokenizer.id(for: $0)! }
                #expect(tokenizer.encode(word.joined(), addSpecialTokens: false) == expected, "length \(length)")
            }
        }
        // A very long word stays fast (linear-logarithmic, not quadratic).
        let long = String(repeating: "the", count: 20_000)
        #expect(tokenizer.decode(tokenizer.encode(long)) == long)
    }

    @Test("byte-level tokenizers round-trip any text")
    func byteLevelRoundTrip() throws {
        var rng = Random(state: 99)
        for name in ["bytelevel-bpe", "neox-style", "llama3-regex"] {
            let tokenizer = try Tokenizer.load(directory: tokenizerFixtures.appendingPathComponent(name))
            for _ in 0..<200 {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: Self.randomText(&rng, length: rng.below(60)))
                let text = String(view)
                let decoded = tokenizer.decode(tokenizer.encode(text), skipSpecialTokens: true)
                // neox-style normalizes to NFC first.
                let expected = name == "neox-style" ? text.precomposedStringWithCanonicalMapping : text
                #expect(sameScalars(decoded, expected), "\(name): \"\(visible(text))\"")
            }
        }
    }

    @Test("split behaviours follow tokenizers' NormalizedString::split")
    func splitBehaviours() {
        let text = Array("--a-b--".unicodeScalars)
        let matches = Splitting.scalarMatches(text[...]) { $0 == "-" }
        func pieces(_ b: SplitBehavior, invert: Bool = false) -> [String] {
            Splitting.split(text[...], matches: matches, invert: invert, behavior: b)
                .map { String(String.UnicodeScalarView(text[$0])) }
        }
        #expect(pieces(.removed) == ["a", "b"])
        #expect(pieces(.isolated) == ["-", "-", "a", "-", "b", "-", "-"])
        #expect(pieces(.contiguous) == ["--", "a", "-", "b", "--"])
        #expect(pieces(.mergedWithPrevious) == ["-", "-", "a-", "b-", "-"])
        #expect(pieces(.mergedWithNext) == ["-", "-a", "-b", "-", "-"])
        #expect(pieces(.removed, invert: true) == ["-", "-", "-", "-", "-"])
    }
}

/// The regex engine against Oniguruma (through `tokenizers`' `Split`) on the
/// split patterns of GPT-2, Llama 3, Qwen 2, GPT-4o and a few others.
@Suite("Tokenizer regex against Oniguruma")
struct TokenizerRegexFixtureTests {
    struct Fixture: Decodable {
        let patterns: [String: String]
        let texts: [String]
        let pieces: [String: [[[Int]]]]
    }

    static let fixture: Fixture? = try? readJSON(
        Fixture.self, tokenizerFixtures.appendingPathComponent("regex-cases.json"))

    @Test("isolated splits match tokenizers", arguments: ["gpt2", "llama3", "qwen2", "o200k", "words", "lazy"])
    func pattern(name: String) throws {
        let fixture = try #require(Self.fixture)
        let source = try #require(fixture.patterns[name])
        let expected = try #require(fixture.pieces[name])
        let regex = try ScalarRegex(source)
        var failures = 0
        for (text, pieces) in zip(fixture.texts, expected) {
            let scalars = Array(text.unicodeScalars)
            let actual = Splitting.split(scalars[...], matches: regex.matches(in: scalars[...]), behavior: .isolated)
                .map { [$0.lowerBound, $0.upperBound] }
            if actual != pieces {
                failures += 1
                if failures == 1 {
                    Issue.record("\(name) on \"\(visible(text))\"\n  expected: \(pieces)\n  actual:   \(actual)")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(fixture.texts.count) texts split differently")
    }
}
