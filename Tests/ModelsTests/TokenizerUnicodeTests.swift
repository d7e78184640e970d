import Foundation
import Testing

@testable import Models

/// Every code point's membership in the character classes `tokenizers` uses,
/// against `fixtures/tokenizers/unicode-classes.json` (made with `tokenizers`).
@Suite("Tokenizer character classes")
struct TokenizerUnicodeTests {
    static let classes: [String: [[Int]]] = {
        let url = tokenizerFixtures.appendingPathComponent("unicode-classes.json")
        return (try? JSONDecoder().decode([String: [[Int]]].self, from: Data(contentsOf: url))) ?? [:]
    }()

    static let allScalars: [Unicode.Scalar] = (0..<0x110000).compactMap { Unicode.Scalar(UInt32($0)) }

    static func members(_ name: String) -> Set<UInt32> {
        var set = Set<UInt32>()
        for r in classes[name] ?? [] {
            for c in r[0]...r[1] { set.insert(UInt32(c)) }
        }
        return set
    }

    static func mismatches(_ expected: Set<UInt32>, _ actual: (Unicode.Scalar) -> Bool) -> [String] {
        allScalars.compactMap { s in
            actual(s) == expected.contains(s.value) ? nil : "U+" + String(s.value, radix: 16, uppercase: true)
        }
    }

    @Test("class functions agree with tokenizers on every code point", arguments: [
        "onig_L", "onig_N", "onig_s", "onig_w", "onig_w_brackets", "regex_w", "punctuation", "numeric", "whitespace",
    ])
    func classFunction(name: String) {
        let functions: [String: (Unicode.Scalar) -> Bool] = [
            "onig_L": UnicodeClass.isLetter, "onig_N": UnicodeClass.isNumber, "onig_s": UnicodeClass.isWhitespace,
            "onig_w": { UnicodeClass.isOnigurumaWord($0) },
            "onig_w_brackets": { UnicodeClass.isOnigurumaWord($0, inBrackets: true) }, "regex_w": UnicodeClass.isWord,
            "punctuation": UnicodeClass.isPunctuation, "numeric": UnicodeClass.isNumeric,
            "whitespace": UnicodeClass.isWhitespace,
        ]
        let expected = Self.members(name)
        #expect(!expected.isEmpty, "fixture class \(name) is missing")
        let wrong = Self.mismatches(expected, functions[name]!)
        #expect(wrong.isEmpty, "\(name): \(wrong.count) code points differ, first \(wrong.prefix(12))")
    }

    @Test("regex classes agree with Oniguruma on every code point", arguments: [
        ("onig_L", #"\p{L}"#), ("onig_N", #"\p{N}"#), ("onig_s", #"\s"#), ("onig_w", #"\w"#),
        ("onig_w_brackets", #"[\w]"#), ("onig_L", #"[^\P{L}]"#),
    ])
    func regexClass(name: String, pattern: String) throws {
        let regex = try ScalarRegex(pattern)
        let matched = Set(regex.matches(in: Self.allScalars[...]).map { Self.allScalars[$0.lowerBound].value })
        let expected = Self.members(name)
        #expect(!expected.isEmpty)
        let wrong = Self.mismatches(expected) { matched.contains($0.value) }
        #expect(wrong.isEmpty, "\(pattern): \(wrong.count) code points differ, first \(wrong.prefix(12))")
    }
}
