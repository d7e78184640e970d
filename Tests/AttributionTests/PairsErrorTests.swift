import Foundation
import Models
import Testing
@testable import Attribution

/// Every bad pairs file fails on load with a message naming the file, the line and what is wrong.
@Suite("Pairs: errors")
struct PairsErrorTests {
    static let good = PairsLoadingTests.textLine
    static let clean = PairsLoadingTests.clean
    static let corrupted = PairsLoadingTests.corrupted

    /// The one message of loading `bad` as line 2 (after a good line 1).
    func message(_ bad: String, tokenizer: Tokenizer = PairsFixtures.gpt2, options: PairOptions = PairOptions(),
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let url = PairsFixtures.file([Self.good, bad], name: "roles.jsonl")
        do {
            _ = try PairSet(contentsOf: url, tokenizer: tokenizer, options: options)
        } catch {
            #expect(error.file == url.path, sourceLocation: sourceLocation)
            #expect(error.problems.allSatisfy { $0.line == 2 }, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("\(url.path), line 2: "), "\(error)", sourceLocation: sourceLocation)
            return error.description
        }
        Issue.record("line \(bad) was accepted", sourceLocation: sourceLocation)
        return ""
    }

    @Test func malformedJSONGivesTheParsersMessage() throws {
        let m = try message(#"{"clean": "a", "corrupted": }"#)
        #expect(m.hasSuffix("line 2: malformed JSON at column 29: unexpected character '}'"), "\(m)")
        #expect(try message(#"{"clean": "a""#).contains("malformed JSON at column 14: expected ',' or '}' in an object"))
        #expect(try message(#"{"clean": "a", "clean": "b"}"#).contains("duplicate key \"clean\""))
        #expect(try message("clean, corrupted").contains("malformed JSON at column 1: unexpected character 'c'"))
        #expect(try message(#"{"a": 1} {"b": 2}"#).contains("unexpected text after the JSON value"))
    }

    @Test func notAnObject() throws {
        #expect(try message("[1, 2]").hasSuffix("expected a JSON object, found an array"))
    }

    @Test func missingKeysAreNamed() throws {
        let m = try message(pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": " chef"]))
        #expect(m.hasSuffix(#"missing key "foil" (a line with text needs "clean", "corrupted", "answer", "foil")"#), "\(m)")
        let ids = try message(pairLine(["clean_ids": [1, 2], "corrupted_ids": [1, 3]]))
        #expect(ids.contains(#"missing keys "answer_id", "foil_id" (a line with token ids needs"#), "\(ids)")
        let none = try message(#"{"prompt": "x"}"#)
        #expect(none.contains(#"missing keys: a pair needs "clean", "corrupted", "answer", "foil" (text) or "#
            + #""clean_ids", "corrupted_ids", "answer_id", "foil_id" (token ids); found "prompt""#), "\(none)")
        #expect(try message("{}").hasSuffix("the object is empty"))
    }

    @Test func wrongTypesAreNamed() throws {
        #expect(try message(#"{"clean": 3, "corrupted": "b", "answer": " a", "foil": " b"}"#)
            .hasSuffix(#""clean" must be a string, found an integer 3"#))
        #expect(try message(#"{"clean_ids": "1 2", "corrupted_ids": [1], "answer_id": 1, "foil_id": 2}"#)
            .contains(#""clean_ids" must be an array of integer token ids, found a string "1 2""#))
        #expect(try message(#"{"clean_ids": [1, 2.5], "corrupted_ids": [1, 2], "answer_id": 1, "foil_id": 2}"#)
            .contains(#""clean_ids"[1] must be an integer token id, found a number 2.5"#))
        #expect(try message(#"{"clean_ids": [1], "corrupted_ids": [2], "answer_id": "7", "foil_id": null}"#)
            .contains(#""answer_id" must be an integer token id, found a string "7""#))
        // Every problem of the line is reported.
        let both = try message(#"{"clean_ids": [1], "corrupted_ids": [2], "answer_id": "7", "foil_id": null}"#)
        #expect(both.contains(#""foil_id" must be an integer token id, found null null"#), "\(both)")
        #expect(try message(#"{"clean_ids": [1], "corrupted_ids": [2], "answer_id": 1, "foil_id": 2, "clean": 5}"#)
            .contains(#""clean" must be a string"#))
    }

    @Test func unequalLengthsShowBothLengthsAndTokens() throws {
        let m = try message(pairLine(["clean": "The chef praised the waiter. Who praised someone? The",
                                      "corrupted": "The chef praised the waiters. Who praised someone? The",
                                      "answer": " chef", "foil": " waiter"]))
        #expect(m.contains("the clean and corrupted prompts have different token lengths: clean 19 tokens [332 \"The\", 288 \"Ġchef\""),
                "\(m)")
        #expect(m.contains("corrupted 20 tokens [332 \"The\", 288 \"Ġchef\", 426 \"Ġpraised\", 259 \"Ġthe\", 328 \"Ġwaiter\", 83 \"s\""), "\(m)")
        let ids = try message(pairLine(["clean_ids": [1, 2, 3], "corrupted_ids": [1, 2], "answer_id": 4, "foil_id": 5]))
        #expect(ids.contains(##"clean 3 tokens [1 "!", 2 "\"", 3 "#"], corrupted 2 tokens [1 "!", 2 "\""]"##), "\(ids)")
    }

    @Test func multiTokenAnswersShowTheTokens() throws {
        let m = try message(pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": " Lily", "foil": " waiter"]))
        #expect(m.contains("the answer \" Lily\" is not a single token after the clean prompt: it adds 4 tokens after the "
            + "prompt, not 1: [221 \"Ġ\", 44 \"L\", 284 \"il\", 89 \"y\"]"), "\(m)")
        // Without its leading space the answer glues onto "The" and re-tokenizes the prompt's end.
        let glued = try message(pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": " chef", "foil": "chef"]))
        #expect(glued.contains("the foil \"chef\" is not a single token after the clean prompt: it "), "\(glued)")
        #expect(try message(pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": "", "foil": " chef"]))
            .contains("the answer \"\" is not a single token after the clean prompt: it is empty"))
    }

    @Test func idsOutsideTheVocabularyAreShown() throws {
        #expect(try message(pairLine(["clean_ids": [5, 448], "corrupted_ids": [6, 448], "answer_id": 1, "foil_id": 2]))
            .contains(#""clean_ids"[1] = 448 is outside the vocabulary (0..<448)"#))
        #expect(try message(pairLine(["clean_ids": [448, 5, 449, 1000], "corrupted_ids": [448, 6, 449, 1000],
                                      "answer_id": 1, "foil_id": 2]))
            .contains(#""clean_ids" has 3 ids outside the vocabulary (0..<448): [0] = 448, [2] = 449, [3] = 1000"#))
        #expect(try message(pairLine(["clean_ids": [5], "corrupted_ids": [-1], "answer_id": 1, "foil_id": 2]))
            .contains(#""corrupted_ids"[0] = -1 is outside the vocabulary (0..<448)"#))
        #expect(try message(pairLine(["clean_ids": [5], "corrupted_ids": [6], "answer_id": 1, "foil_id": 5000]))
            .contains(#""foil_id" = 5000 is outside the vocabulary (0..<448)"#))
        // A smaller embedding than the tokenizer (PairOptions.vocabSize) is checked too.
        let small = try #require(PairsFixtures.loadError(
            [pairLine(["clean_ids": [5], "corrupted_ids": [6], "answer_id": 100, "foil_id": 2])], options: PairOptions(vocabSize: 100)))
        #expect(small.description.hasSuffix(#"pairs.jsonl, line 1: "answer_id" = 100 is outside the vocabulary (0..<100)"#))
    }

    @Test func emptyPrompts() throws {
        #expect(try message(pairLine(["clean": "", "corrupted": "x", "answer": " a", "foil": " b"]))
            .hasSuffix("the clean prompt is empty"))
        #expect(try message(pairLine(["clean_ids": [Int](), "corrupted_ids": [Int](), "answer_id": 1, "foil_id": 2]))
            .contains(#""clean_ids" is empty"#))
    }

    @Test func identicalPromptsCarryNoSignal() throws {
        #expect(try message(pairLine(["clean": Self.clean, "corrupted": Self.clean, "answer": " chef", "foil": " waiter"]))
            .contains("the clean and corrupted prompts are identical"))
        #expect(try message(pairLine(["clean_ids": [1, 2], "corrupted_ids": [1, 2], "answer_id": 1, "foil_id": 2]))
            .contains("a pair whose prompts are the same carries no signal"))
    }

    @Test func answerAndFoilMustDiffer() throws {
        #expect(try message(pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": " chef", "foil": " chef"]))
            .contains("the answer and the foil are the same token [288 \"Ġchef\"]"))
    }

    @Test func fileWithoutPairs() throws {
        for lines in [[], [""], ["", "  ", ""]] {
            let url = PairsFixtures.file(lines)
            let error = try #require(PairsFixtures.loadError(lines))
            #expect(error.description.hasSuffix("pairs.jsonl: holds no pairs (expected one JSON object a line)"))
            _ = url
        }
    }

    @Test func unreadableFile() throws {
        do {
            _ = try PairSet(contentsOf: URL(fileURLWithPath: "/no/such/pairs.jsonl"), tokenizer: PairsFixtures.gpt2)
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("/no/such/pairs.jsonl: cannot be read"))
        }
    }

    @Test func prependBOSWithoutBOS() throws {
        let error = try #require(PairsFixtures.loadError([Self.good], options: PairOptions(prependBOS: true)))
        #expect(error.description.contains("pairs.jsonl: BOS prepending was asked for (--prepend-bos), but the tokenizer has no BOS"))
    }

    @Test func everyBadLineIsReportedWithItsNumber() throws {
        let bad = pairLine(["clean_ids": [1], "corrupted_ids": [1, 2], "answer_id": 1, "foil_id": 2])
        let error = try #require(PairsFixtures.loadError([Self.good, bad, "", "{", Self.good, bad]))
        #expect(error.problems.map(\.line) == [2, 4, 6])
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].contains("pairs.jsonl, line 2: the clean and corrupted prompts have different token lengths"))
        #expect(lines[1].contains("pairs.jsonl, line 4: malformed JSON"))
        #expect(lines[2].contains("pairs.jsonl, line 6: "))
        // Long lists are cut after the first 20 problems.
        let many = try #require(PairsFixtures.loadError([String](repeating: "x", count: 25)))
        #expect(many.problems.count == 25)
        let shown = many.description.split(separator: "\n")
        #expect(shown.count == 21)
        #expect(shown.last!.hasSuffix("pairs.jsonl: … and 5 more problems"))
    }
}
