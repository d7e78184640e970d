import Foundation
import Models
import Testing
@testable import Attribution

/// Loading minimal pairs from JSONL: text, ids, both, BOS handling.
@Suite("Pairs: loading")
struct PairsLoadingTests {
    let gpt2 = PairsFixtures.gpt2
    static let clean = "The chef praised the waiter. Who praised someone? The"
    static let corrupted = "The waiter praised the chef. Who praised someone? The"
    static let textLine = pairLine(["clean": clean, "corrupted": corrupted, "answer": " chef", "foil": " waiter"])

    @Test func textPairsAreTokenizedWithTheTokenizer() throws {
        let url = PairsFixtures.file([Self.textLine])
        let set = try PairSet(contentsOf: url, tokenizer: gpt2)
        let pair = try #require(set.pairs.first)
        #expect(set.count == 1)
        #expect(set.source == url.path)
        #expect(pair.cleanIds == gpt2.encode(Self.clean))
        #expect(pair.corruptedIds == gpt2.encode(Self.corrupted))
        #expect(pair.cleanIds.count == pair.corruptedIds.count)
        #expect(pair.answerId == gpt2.id(for: "Ġchef"))
        #expect(pair.foilId == gpt2.id(for: "Ġwaiter"))
        #expect(pair.line == 1)
        #expect(pair.text == MinimalPair.Text(clean: Self.clean, corrupted: Self.corrupted, answer: " chef", foil: " waiter"))
        #expect(set.padId == 0)  // the fixture has no pad token
    }

    @Test func answerIsTheContinuationTokenOfTheCleanPrompt() throws {
        // The answer is the token that " chef" adds after the prompt: encode(prompt + answer) == encode(prompt) + [t].
        let set = try PairSet(jsonl: Data(Self.textLine.utf8), source: "mem", tokenizer: gpt2)
        let base = gpt2.encode(Self.clean, addSpecialTokens: false)
        #expect(gpt2.encode(Self.clean + " chef", addSpecialTokens: false) == base + [set.pairs[0].answerId])
    }

    @Test func idPairsAreUsedExactlyAsGiven() throws {
        let line = pairLine(["clean_ids": [5, 6, 7], "corrupted_ids": [5, 8, 7], "answer_id": 9, "foil_id": 10])
        // Even with BOS prepending on: ids are never changed.
        let options = PairOptions(prependBOS: true, bosTokenId: 0)
        let set = try PairSet(contentsOf: PairsFixtures.file([line]), tokenizer: gpt2, options: options)
        let pair = set.pairs[0]
        #expect(pair.cleanIds == [5, 6, 7])
        #expect(pair.corruptedIds == [5, 8, 7])
        #expect(pair.answerId == 9 && pair.foilId == 10)
        // Display text is decoded from the ids when the line has none.
        #expect(pair.text.clean == gpt2.decode([5, 6, 7]))
        #expect(pair.text.answer == gpt2.decode([9]))
    }

    @Test func idsWinWhenALineHasBoth() throws {
        let line = pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": " chef", "foil": " waiter",
                             "clean_ids": [40, 41], "corrupted_ids": [42, 41], "answer_id": 43, "foil_id": 44])
        let pair = try PairSet(contentsOf: PairsFixtures.file([line]), tokenizer: gpt2).pairs[0]
        #expect(pair.cleanIds == [40, 41] && pair.corruptedIds == [42, 41])
        #expect(pair.answerId == 43 && pair.foilId == 44)
        #expect(pair.text.clean == Self.clean && pair.text.answer == " chef")  // text kept for display
    }

    @Test func blankLinesAreSkippedAndLinesCountFromOne() throws {
        let ids = pairLine(["clean_ids": [5, 6], "corrupted_ids": [7, 6], "answer_id": 9, "foil_id": 10])
        let set = try PairSet(contentsOf: PairsFixtures.file(["", Self.textLine, "   ", ids + "\r", ""]), tokenizer: gpt2)
        #expect(set.pairs.map(\.line) == [2, 4])
    }

    @Test func otherStringFieldsAreKeptAsTags() throws {
        let line = pairLine(["clean": Self.clean, "corrupted": Self.corrupted, "answer": " chef", "foil": " waiter",
                             "voice": "active", "asks": "agent", "n": 3])
        let pair = try PairSet(contentsOf: PairsFixtures.file([line]), tokenizer: gpt2).pairs[0]
        #expect(pair.tags == ["voice": "active", "asks": "agent"])
    }

    @Test func textFollowsThePostProcessorForBOS() throws {
        // llama-bpe's post-processor puts <s> first; gpt2's adds nothing.
        let llama = PairsFixtures.llama
        let line = pairLine(["clean": "Lily saw Tom at home. Who saw someone?",
                             "corrupted": "Tom saw Lily at home. Who saw someone?",
                             "answer": " Lily", "foil": " Tom"])
        let bos = try #require(llama.bosTokenId)
        let plain = try PairSet(jsonl: Data(line.utf8), source: "mem", tokenizer: llama).pairs[0]
        #expect(plain.cleanIds.first == bos && plain.corruptedIds.first == bos)
        #expect(plain.answerId == llama.id(for: "▁Lily") && plain.foilId == llama.id(for: "▁Tom"))
        // Prepending BOS where encoding already put it first changes nothing.
        let prepended = try PairSet(jsonl: Data(line.utf8), source: "mem", tokenizer: llama,
                                    options: PairOptions(prependBOS: true)).pairs[0]
        #expect(prepended == plain)
        #expect(prepended.cleanIds.filter { $0 == bos }.count == 1)
    }

    @Test func prependBOSAddsTheConfiguredBOSWhereTheTokenizerDoesNot() throws {
        let bos = try #require(PairOptions.bosToken(tokenizer: gpt2, directory: PairsFixtures.gpt2Folder))
        #expect(gpt2.token(for: bos) == "<|endoftext|>")  // from tokenizer_config.json
        let plain = try PairSet(jsonl: Data(Self.textLine.utf8), source: "mem", tokenizer: gpt2).pairs[0]
        let set = try PairSet(jsonl: Data(Self.textLine.utf8), source: "mem", tokenizer: gpt2,
                              options: PairOptions(prependBOS: true, bosTokenId: bos))
        let pair = set.pairs[0]
        #expect(pair.cleanIds == [bos] + plain.cleanIds)
        #expect(pair.corruptedIds == [bos] + plain.corruptedIds)
        #expect(pair.answerId == plain.answerId && pair.foilId == plain.foilId)
        // Text that already starts with the BOS token gets no second one.
        let line = pairLine(["clean": "<|endoftext|>" + Self.clean, "corrupted": "<|endoftext|>" + Self.corrupted,
                             "answer": " chef", "foil": " waiter"])
        let already = try PairSet(jsonl: Data(line.utf8), source: "mem", tokenizer: gpt2,
                                  options: PairOptions(prependBOS: true, bosTokenId: bos)).pairs[0]
        #expect(already.cleanIds == pair.cleanIds)
    }

    @Test func bosOfACheckpointComesFromThePostProcessorFirst() {
        let llamaFolder = PairsFixtures.root.appendingPathComponent("fixtures/tokenizers/llama-bpe")
        #expect(PairOptions.bosToken(tokenizer: PairsFixtures.llama, directory: llamaFolder) == PairsFixtures.llama.bosTokenId)
        #expect(PairOptions.bosToken(tokenizer: gpt2, directory: nil) == nil)
    }
}
