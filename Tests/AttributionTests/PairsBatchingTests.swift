import Foundation
import Models
import Testing
@testable import Attribution

/// Batches of pairs with mixed lengths, and the pair-set hash.
@Suite("Pairs: batching and hash")
struct PairsBatchingTests {
    let gpt2 = PairsFixtures.gpt2

    static let lines = [
        pairLine(["clean_ids": [1, 2, 3], "corrupted_ids": [1, 4, 3], "answer_id": 10, "foil_id": 11]),
        pairLine(["clean_ids": [5, 6], "corrupted_ids": [7, 6], "answer_id": 12, "foil_id": 13]),
        pairLine(["clean_ids": [8, 9, 20, 21, 22], "corrupted_ids": [8, 9, 23, 21, 22], "answer_id": 14, "foil_id": 15]),
        pairLine(["clean_ids": [30], "corrupted_ids": [31], "answer_id": 16, "foil_id": 17]),
        pairLine(["clean_ids": [40, 41, 42, 43], "corrupted_ids": [44, 41, 42, 43], "answer_id": 18, "foil_id": 19]),
    ]

    func set(_ lines: [String] = Self.lines) throws -> PairSet {
        try PairSet(jsonl: Data(lines.joined(separator: "\n").utf8), source: "mem", tokenizer: gpt2)
    }

    @Test func mixedLengthsShareABatchRightPadded() throws {
        let batches = try set().batches(size: 3)
        #expect(batches.map(\.count) == [3, 2])
        let first = batches[0]
        #expect(first.indices == [0, 1, 2])
        #expect(first.clean.length == 5 && first.corrupted.length == 5)
        #expect(first.clean.lengths == [3, 2, 5] && first.corrupted.lengths == [3, 2, 5])
        #expect(first.clean.ids == [1, 2, 3, 0, 0, 5, 6, 0, 0, 0, 8, 9, 20, 21, 22])
        #expect(first.corrupted.ids == [1, 4, 3, 0, 0, 7, 6, 0, 0, 0, 8, 9, 23, 21, 22])
        #expect(first.answerIds == [10, 12, 14] && first.foilIds == [11, 13, 15])
        // The metric is read at each prompt's last real token, the same row in both runs.
        #expect(first.lastRows == [2, 6, 14])
        #expect(first.corrupted.lastRows == first.lastRows)
        let second = batches[1]
        #expect(second.indices == [3, 4])
        #expect(second.clean.ids == [30, 0, 0, 0, 40, 41, 42, 43])
        #expect(second.lastRows == [0, 7])
    }

    @Test func batchesCoverEveryPairOnce() throws {
        let s = try set()
        for size in 1...6 {
            let batches = s.batches(size: size)
            #expect(batches.flatMap(\.indices) == Array(0..<5))
            #expect(batches.allSatisfy { $0.count <= size })
            for batch in batches {
                for (b, index) in batch.indices.enumerated() {
                    #expect(batch.clean.sequence(b) == s.pairs[index].cleanIds)
                    #expect(batch.corrupted.sequence(b) == s.pairs[index].corruptedIds)
                }
            }
        }
    }

    @Test func padsWithTheTokenizersPadId() throws {
        // A tokenizer with a pad id: the gpt2 fixture's JSON with `padding.pad_id` set.
        var json = try String(contentsOf: PairsFixtures.gpt2Folder.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        json = json.replacingOccurrences(of: "\"padding\": null", with: "\"padding\": {\"pad_id\": 99}")
        let padded = try Tokenizer(json: Data(json.utf8))
        try #require(padded.padTokenId == 99)
        let s = try PairSet(jsonl: Data(Self.lines.joined(separator: "\n").utf8), source: "mem", tokenizer: padded)
        #expect(s.padId == 99)
        #expect(s.batches(size: 2)[0].clean.ids == [1, 2, 3, 5, 6, 99])
    }

    @Test func hashIsStableAndFollowsTheIds() throws {
        let hash = try set().hash
        #expect(hash.count == 16 && hash.allSatisfy(\.isHexDigit))
        #expect(try set().hash == hash)
        // Fixed value: FNV-1a 64 over little-endian Int64s (lengths, ids, answer, foil per pair).
        #expect(PairHash.hex([]) == "cbf29ce484222325")
        // Display text and line numbers do not count; ids do.
        var withText = Self.lines
        withText[1] = pairLine(["clean": "x", "corrupted": "y", "answer": " a", "foil": " b",
                                "clean_ids": [5, 6], "corrupted_ids": [7, 6], "answer_id": 12, "foil_id": 13])
        #expect(try set([""] + withText).hash == hash)
        var changed = Self.lines
        changed[1] = pairLine(["clean_ids": [5, 6], "corrupted_ids": [7, 6], "answer_id": 12, "foil_id": 14])
        #expect(try set(changed).hash != hash)
        var swapped = Self.lines
        swapped[1] = pairLine(["clean_ids": [7, 6], "corrupted_ids": [5, 6], "answer_id": 12, "foil_id": 13])
        #expect(try set(swapped).hash != hash)
        #expect(try set(Array(Self.lines.reversed())).hash != hash)
        // Boundaries between prompts count: [1,2]+[3] differs from [1]+[2,3].
        let a = MinimalPair(cleanIds: [1, 2], corruptedIds: [3, 2], answerId: 4, foilId: 5, line: 1,
                            text: .init(clean: "", corrupted: "", answer: "", foil: ""))
        let b = MinimalPair(cleanIds: [1], corruptedIds: [2, 3, 2], answerId: 4, foilId: 5, line: 1,
                            text: .init(clean: "", corrupted: "", answer: "", foil: ""))
        #expect(PairHash.hex([a]) != PairHash.hex([b]))
    }

    @Test func hashIsTheSameForTextAndForItsIds() throws {
        let text = PairsLoadingTests.textLine
        let fromText = try set([text])
        let pair = fromText.pairs[0]
        let ids = pairLine(["clean_ids": pair.cleanIds, "corrupted_ids": pair.corruptedIds,
                            "answer_id": pair.answerId, "foil_id": pair.foilId])
        #expect(try set([ids]).hash == fromText.hash)
    }

    @Test func pairSetsMadeInCodeAreChecked() throws {
        func pair(_ clean: [Int], _ corrupted: [Int], _ answer: Int = 1, _ foil: Int = 2, line: Int) -> MinimalPair {
            MinimalPair(cleanIds: clean, corruptedIds: corrupted, answerId: answer, foilId: foil, line: line,
                        text: .init(clean: "", corrupted: "", answer: "", foil: ""))
        }
        let set = try PairSet([pair([1, 2], [3, 2], line: 1), pair([4], [5], line: 2)], source: "code", padId: 7)
        #expect(set.batches(size: 2)[0].clean.ids == [1, 2, 4, 7])
        #expect(set.hash == PairHash.hex(set.pairs))
        do {
            _ = try PairSet([pair([1, 2], [3], line: 1), pair([4], [4], line: 2), pair([1], [2], 3, 3, line: 3)], source: "code")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.line) == [1, 2, 3])
            #expect(error.description.hasPrefix("code, line 1: the clean and corrupted prompts must be non-empty and of equal length"))
        }
        #expect(throws: PairError(file: "code", line: nil, "holds no pairs")) { try PairSet([], source: "code") }
    }
}
