import Attribution
import Foundation
import Models
import Testing
@testable import Training

@Suite struct RoleLanguageTests {
    @Test func sentencesAreTheTemplatesWithOneTokenAnswers() throws {
        let language = roleLanguage
        var rng = SplitMix64(seed: 3)
        var voices: Set<String> = []
        for _ in 0..<200 {
            let example = try language.sample(&rng, heldOut: false)
            voices.insert(example.voice)
            #expect(example.promptIds.first == language.tokenizerFile.bosId)
            #expect(language.tokenizer.decode([example.answerId]) == example.answer.dropFirst().lowercased())
        }
        #expect(voices == ["active", "passive", "dative"])
        let text = language.tokenizer.decode(language.tokenizer.encode("The chef praised the waiter. Who was praised? The waiter"),
                                             skipSpecialTokens: true)
        #expect(text == "the chef praised the waiter . who was praised ? the waiter")
    }

    @Test func theHeldOutSplitIsNeverTrainedOn() throws {
        let held = try roleLanguage.heldOutSet(count: 200)
        #expect(Set(held.map { $0.promptIds + [$0.answerId] }).count == 200)
        let heldSentences = Set(held.map(\.promptIds))
        for step in 0..<20 {
            for example in try roleLanguage.trainingBatch(step: step, seed: 0, size: 64) {
                #expect(!heldSentences.contains(example.promptIds))
            }
        }
        // Batches are a function of (seed, step).
        #expect(try roleLanguage.trainingBatch(step: 5, seed: 0, size: 8) == roleLanguage.trainingBatch(step: 5, seed: 0, size: 8))
        #expect(try roleLanguage.trainingBatch(step: 5, seed: 0, size: 8) != roleLanguage.trainingBatch(step: 6, seed: 0, size: 8))
    }

    @Test func thePairGeneratorAcceptsTheWrittenTokenizer() throws {
        let tokenizer = try Tokenizer(json: roleLanguage.tokenizerFile.jsonData())
        let generator = try RolePairGenerator(templates: roleLanguage.templates, tokenizer: tokenizer,
                                              options: PairOptions(bosTokenId: tokenizer.bosTokenId))
        let generation = try generator.generate(count: 60, seed: 0)
        #expect(generation.pairs.count == 60)
        #expect(Set(generation.pairs.map(\.voice)) == ["active", "passive", "dative"])
        #expect(tokenizer.bosTokenId == 1)
    }

    @Test func aFillerOfSeveralWordsIsRefused() throws {
        let folder = temporaryFolder("templates")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let json = """
            {"format": "circuitry-roles-1",
             "fillers": {"names": {"mention": "{word}", "answer_prefix": "", "words": ["Ann", "Mary Jane"]}},
             "verbs": {"t": ["saw seen"]},
             "templates": [{"voice": "active", "verbs": "t", "sentence": "{agent} {past} {patient}.",
                            "questions": {"agent": "Who {past} someone?"}}]}
            """
        try Data(json.utf8).write(to: folder.appendingPathComponent("templates.json"))
        #expect(throws: TrainingError.self) { try RoleLanguage(templatesFile: folder.appendingPathComponent("templates.json")) }
    }
}

@Suite struct ObjectiveTests {
    @Test func targetsAreTheAnswerOrEveryNextToken() throws {
        var rng = SplitMix64(seed: 1)
        let examples = try (0..<3).map { _ in try roleLanguage.sample(&rng, heldOut: false) }
        let pad = roleLanguage.tokenizerFile.padId
        let (answerBatch, answerTargets, tokens) = try Objective.batch(examples, lossOn: .answer, padId: pad)
        let (_, allTargets, _) = try Objective.batch(examples, lossOn: .all, padId: pad)
        #expect(tokens == examples.reduce(0) { $0 + $1.promptIds.count + 1 })
        for (b, example) in examples.enumerated() {
            let row = b * answerBatch.length
            let sequence = example.promptIds + [example.answerId]
            // answer: one target, the answer, at the last prompt position.
            let answerRow = Array(answerTargets[row..<(row + answerBatch.length)])
            #expect(answerRow.filter { $0 != -100 } == [example.answerId])
            #expect(answerRow[example.promptIds.count - 1] == example.answerId)
            // all: every next token of the real sequence, nothing on padding.
            let allRow = Array(allTargets[row..<(row + answerBatch.length)])
            #expect(Array(allRow[0..<(sequence.count - 1)]) == Array(sequence.dropFirst()))
            #expect(allRow[(sequence.count - 1)...].allSatisfy { $0 == -100 })
        }
    }
}
