import Foundation
import Models
import Testing
@testable import Attribution

/// The role-cross pair generator: deterministic, and every pair valid under its tokenizer.
@Suite("Pairs: role-cross generator")
struct PairsGeneratorTests {
    let gpt2 = PairsFixtures.gpt2
    let templates = try! RoleTemplates(contentsOf: PairsFixtures.templates)

    @Test func theShippedTemplatesLoad() throws {
        #expect(templates.fillerGroups.map(\.name) == ["names", "people"])
        #expect(templates.fillerGroups[0].words.prefix(3) == ["Lily", "Tim", "Timmy"])
        #expect(templates.fillerGroups[1].mention == "the {word}" && templates.fillerGroups[1].answerPrefix == " The")
        #expect(templates.templates.map(\.voice) == ["active", "passive", "dative"])
        #expect(templates.verbLists["transitive"]?.contains(.init(past: "saw", participle: "seen")) == true)
        #expect(templates.verbLists["dative"]?.first == .init(past: "gave", participle: "given"))
        #expect(templates.objectLists["things"]?.first == "the ball")
        let generator = try RolePairGenerator(templates: templates, tokenizer: gpt2)
        // (16·15 + 18·17) filler pairs × (18 verbs × 2 voices + 8 verbs × 8 objects) × 2 questions.
        #expect(generator.candidateCount == 546 * (18 * 2 + 8 * 8) * 2)
    }

    @Test func sameSeedSamePairs() throws {
        let generator = try RolePairGenerator(templates: templates, tokenizer: gpt2)
        let a = try generator.generate(count: 60, seed: 7)
        let b = try RolePairGenerator(templates: templates, tokenizer: gpt2).generate(count: 60, seed: 7)
        #expect(a.jsonl == b.jsonl)
        #expect(a.hash == b.hash && a.examined == b.examined && a.rejected == b.rejected)
        #expect(try generator.generate(count: 60, seed: 8).jsonl != a.jsonl)
        // A larger count with the same seed extends the list.
        let more = try generator.generate(count: 90, seed: 7)
        #expect(Array(more.pairs.prefix(60)) == a.pairs)
    }

    @Test func everyPairIsValidUnderTheGPT2Fixture() throws {
        let generation = try RolePairGenerator(templates: templates, tokenizer: gpt2).generate(count: 300, seed: 1)
        #expect(generation.pairs.count == 300)
        try checkInvariants(generation, tokenizer: gpt2)
        // The fixture's 448-token vocabulary has occupations as single tokens, but no names.
        #expect(generation.pairs.allSatisfy { templates.fillerGroups[1].words.contains($0.agent) })
        #expect((generation.rejected[.answerNotSingleToken] ?? 0) > 0)
        #expect(generation.examined == generation.pairs.count + generation.rejectedCount)
        // Strata take turns: voices and questions are balanced.
        for voice in ["active", "passive", "dative"] {
            for asks in RoleTemplates.Role.allCases {
                #expect(generation.pairs.filter { $0.voice == voice && $0.asks == asks }.count == 50)
            }
        }
    }

    @Test func generatedFilesLoadBackAsTheSamePairs() throws {
        let generation = try RolePairGenerator(templates: templates, tokenizer: gpt2).generate(count: 40, seed: 3)
        let url = PairsFixtures.temporaryFolder().appendingPathComponent("roles.jsonl")
        try generation.write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == generation.jsonl)
        #expect(text.split(separator: "\n").count == 40 && text.hasSuffix("}\n"))
        let set = try PairSet(contentsOf: url, tokenizer: gpt2)
        #expect(set.hash == generation.hash)
        #expect(set.pairs == generation.minimalPairs)
        #expect(set.pairs[0].tags["voice"] == generation.pairs[0].voice)
        #expect(set.pairs[0].tags["asks"] == generation.pairs[0].asks.rawValue)
        // The text alone gives the same ids as the ids written beside it.
        let textOnly = generation.pairs.map {
            pairLine(["clean": $0.clean, "corrupted": $0.corrupted, "answer": $0.answer, "foil": $0.foil])
        }
        let fromText = try PairSet(jsonl: Data(textOnly.joined(separator: "\n").utf8), source: "mem", tokenizer: gpt2)
        #expect(fromText.hash == generation.hash)
        let first = try #require(text.split(separator: "\n").first)
        #expect(first.hasPrefix(#"{"clean": ""#) && first.contains(#""clean_ids": ["#) && first.contains(#""asks": ""#))
    }

    @Test func writingIsAtomic() throws {
        let generation = try RolePairGenerator(templates: templates, tokenizer: gpt2).generate(count: 2, seed: 0)
        let folder = PairsFixtures.temporaryFolder()
        let missing = folder.appendingPathComponent("no/such/folder/roles.jsonl")
        #expect(throws: RolePairError.self) { try generation.write(to: missing) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        // Over an existing file: replaced whole.
        let url = folder.appendingPathComponent("roles.jsonl")
        try Data("old\n".utf8).write(to: url)
        try generation.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == generation.jsonl)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["roles.jsonl"])
    }

    @Test func prependBOSPutsTheConfiguredBOSFirst() throws {
        let bos = try #require(PairOptions.bosToken(tokenizer: gpt2, directory: PairsFixtures.gpt2Folder))
        let options = PairOptions(prependBOS: true, bosTokenId: bos)
        let generation = try RolePairGenerator(templates: templates, tokenizer: gpt2, options: options).generate(count: 20, seed: 0)
        #expect(generation.pairs.allSatisfy { $0.cleanIds.first == bos && $0.corruptedIds.first == bos })
        try checkInvariants(generation, tokenizer: gpt2, bos: bos)
        #expect(throws: RolePairError.noBOS) {
            try RolePairGenerator(templates: templates, tokenizer: gpt2, options: PairOptions(prependBOS: true))
        }
    }

    /// `solvedBy` keeps only the pairs the model gets right on both prompts, and says how many it dropped.
    @Test func solvedOnlyKeepsPairsTheModelSolves() throws {
        let model = try LoadedModel(directory: PairsFixtures.gpt2Folder).transformer
        let generator = try RolePairGenerator(templates: templates, tokenizer: gpt2)
        let generation = try generator.generate(count: 24, seed: 5, solvedBy: model)
        #expect(generation.pairs.count == 24)
        try checkInvariants(generation, tokenizer: gpt2)
        for pair in generation.pairs {
            let logits = try model.logits(TokenBatch([pair.cleanIds, pair.corruptedIds]))
            let last = pair.cleanIds.count - 1
            #expect(logits[0, last, pair.answerId] > logits[0, last, pair.foilId], "\(pair.clean)")
            #expect(logits[1, last, pair.answerId] < logits[1, last, pair.foilId], "\(pair.corrupted)")
        }
        #expect(generation.rejected[.notSolved, default: 0] > 0)
        #expect(generation.examined == generation.pairs.count + generation.rejectedCount)
        #expect(generation.summary.contains("not solved by the model"))
        #expect(try generator.generate(count: 24, seed: 5, solvedBy: model).jsonl == generation.jsonl)
    }

    @Test func tooFewValidPairsSaysHowManyExist() throws {
        // chef and waiter are single tokens in the fixture, Lily is not: 2 ordered pairs × 2 questions are valid.
        let small = try templatesFile([
            "fillers": #"{"people": {"mention": "the {word}", "answer_prefix": " The", "words": ["chef", "waiter", "Lily"]}}"#,
            "verbs": #"{"v": ["praised"]}"#,
            "templates": #"[{"voice": "active", "verbs": "v", "sentence": "{agent} {past} {patient}.", "#
                + #""questions": {"agent": "Who {past} someone?", "patient": "Who was {participle}?"}}]"#,
        ])
        let generator = try RolePairGenerator(templates: small, tokenizer: gpt2)
        #expect(generator.candidateCount == 12)
        #expect(try generator.generate(count: 4, seed: 0).pairs.count == 4)
        do {
            _ = try generator.generate(count: 5, seed: 0)
            Issue.record("5 pairs generated")
        } catch {
            guard case let .notEnoughPairs(requested, possible, examined, rejected) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(requested == 5 && possible == 4 && examined == 12)
            #expect(rejected == [.answerNotSingleToken: 4, .foilNotSingleToken: 4])
            #expect(error.description.hasPrefix("only 4 valid pairs exist under this tokenizer, 5 requested (all 12 candidates "
                + "examined; rejected: 4 answer not one token in context, 4 foil not one token in context)"), "\(error)")
        }
        #expect(throws: RolePairError.invalidCount(0)) { try generator.generate(count: 0, seed: 0) }
    }

    @Test func userTemplatesWithWordListFiles() throws {
        let folder = PairsFixtures.temporaryFolder()
        try Data("# names\nchef\n\nwaiter\nnurse\n".utf8).write(to: folder.appendingPathComponent("who.txt"))
        try Data("handed\nsent\n".utf8).write(to: folder.appendingPathComponent("give.txt"))
        let file = folder.appendingPathComponent("mine.json")
        try Data(#"""
            {"format": "circuitry-roles-1",
             "fillers": {"staff": {"mention": "the {word}", "answer_prefix": " The", "words": "who.txt"}},
             "verbs": {"give": "give.txt"},
             "objects": {"o": ["the book", "the cake"]},
             "templates": [{"voice": "dative", "verbs": "give", "objects": "o",
                            "sentence": "{agent} {past} {patient} {object}.",
                            "questions": {"patient": "Who got {object}?"}}]}
            """#.utf8).write(to: file)
        let mine = try RoleTemplates(contentsOf: file)
        #expect(mine.fillerGroups[0].words == ["chef", "waiter", "nurse"])
        #expect(mine.verbLists["give"] == [.init(past: "handed", participle: "handed"), .init(past: "sent", participle: "sent")])
        let generator = try RolePairGenerator(templates: mine, tokenizer: gpt2)
        #expect(generator.candidateCount == 6 * 2 * 2)
        let generation = try generator.generate(count: 24, seed: 5)
        try checkInvariants(generation, tokenizer: gpt2)
        #expect(Set(generation.pairs.map(\.clean)).count == 24)
        #expect(generation.pairs.allSatisfy { $0.asks == .patient && $0.voice == "dative" && $0.object != nil })
        #expect(generation.pairs.contains { $0.clean == "The chef handed the waiter the book. Who got the book? The" })
    }

    @Test func templateErrorsNameTheFileAndPlace() throws {
        let fillers = #"{"p": {"mention": "the {word}", "answer_prefix": " The", "words": ["chef", "waiter"]}}"#
        let verbs = #"{"v": ["praised"]}"#
        func template(_ t: String) -> [String: String] { ["fillers": fillers, "verbs": verbs, "templates": "[\(t)]"] }
        let questions = #""questions": {"agent": "Who {past} someone?"}"#
        let cases: [([String: String], String)] = [
            (template(#"{"voice": "a", "verbs": "v", "sentence": "{agent} {past} {pateint}.", \#(questions)}"#),
             "templates[0].sentence has the unknown placeholder {pateint}"),
            (template(#"{"voice": "a", "verbs": "v", "sentence": "{agent} {past} Tom.", \#(questions)}"#),
             "templates[0].sentence must contain both {agent} and {patient}"),
            (template(#"{"voice": "a", "verbs": "w", "sentence": "{agent} {past} {patient}.", \#(questions)}"#),
             "templates[0].verbs must name a verb list (v)"),
            (template(#"{"voice": "a", "verbs": "v", "sentence": "{agent} {past} {patient} {object}.", \#(questions)}"#),
             "templates[0].sentence uses {object}, but the template names no \"objects\" list"),
            (template(#"{"voice": "a", "verbs": "v", "sentence": "{agent} {past} {patient}.", "questions": {"theme": "x"}}"#),
             "templates[0].questions.theme is not a role (agent, patient)"),
            (template(#"{"voice": "a", "verbs": "v", "sentence": "{agent} {past} {patient}.", \#(questions), "tone": 1}"#),
             "templates[0].tone is not a known key"),
            (["fillers": #"{"p": {"mention": "the {word}", "answer_prefix": "", "words": ["chef", "chef"]}}"#, "verbs": verbs,
              "templates": "[]"], "fillers.p.words lists \"chef\" twice"),
            (["fillers": #"{"p": {"mention": "the", "answer_prefix": "", "words": ["chef"]}}"#, "verbs": verbs,
              "templates": "[]"], "fillers.p.mention must be a string containing {word}"),
            (["fillers": #"{"p": {"mention": "{word}", "answer_prefix": "", "words": "nowhere.txt"}}"#, "verbs": verbs,
              "templates": "[]"], "fillers.p.words names the word list"),
            (["fillers": fillers, "verbs": verbs, "templates": "[]"], "templates must be a non-empty array of templates"),
            (["fillers": fillers, "verbs": #"{"v": ["gave given extra"]}"#, "templates": "[]"],
             "verbs.v entry \"gave given extra\" at verbs.v[0] must be \"past\" or \"past participle\""),
        ]
        for (fields, expected) in cases {
            do {
                _ = try templatesFile(fields)
                Issue.record("accepted: \(fields)")
            } catch {
                #expect(error.description.contains("templates.json: " + expected), "\(error)")
            }
        }
        let bad = PairsFixtures.file(["{\"fillers\": {"], name: "templates.json")
        #expect(throws: RolePairError.self) { try RoleTemplates(contentsOf: bad) }
        do { _ = try RoleTemplates(contentsOf: bad) } catch {
            #expect(error.description == "\(bad.path): malformed JSON at line 1, column 14: expected a key in double quotes "
                + "(the text ends here)")
        }
    }

    @Test(.enabled(if: PairsFixtures.stories260KFolder != nil, "../shared/models/stories260K is not present"))
    func stories260KTokenizer() throws {
        let folder = try #require(PairsFixtures.stories260KFolder)
        let tokenizer = try Tokenizer.load(directory: folder)
        let generation = try RolePairGenerator(templates: templates, tokenizer: tokenizer).generate(count: 200, seed: 0)
        print("stories260K: \(generation.summary)")
        #expect(generation.pairs.count == 200)
        try checkInvariants(generation, tokenizer: tokenizer)
        // BOS as the post-processor adds it.
        #expect(generation.pairs.allSatisfy { $0.cleanIds.first == tokenizer.bosTokenId })
        // Only the names and role nouns that are single pieces survive.
        let fillers = Set(generation.pairs.flatMap { [$0.agent, $0.patient] })
        #expect(fillers.isSubset(of: ["Lily", "Tim", "Timmy", "mom", "friend"]), "\(fillers)")
        #expect(Set(generation.pairs.map(\.voice)) == ["active", "passive", "dative"])
        let loaded = try PairSet(jsonl: Data(generation.jsonl.utf8), source: "stories260K.jsonl", tokenizer: tokenizer)
        #expect(loaded.hash == generation.hash)
    }

    @Test func splitMix64AndThePermutation() {
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)  // the reference implementation's first output for seed 0
        for count: UInt64 in [1, 2, 3, 4, 5, 17, 64, 100, 1000] {
            var r = SplitMix64(seed: count)
            let permutation = IndexPermutation(count: count, rng: &r)
            let values = (0..<count).map { permutation[$0] }
            #expect(Set(values) == Set(0..<count))
        }
    }

    @Test func jsonStringsRoundTrip() throws {
        let text = "quote \" backslash \\ tab \t newline \n nul \u{0} é ▁ 😀 \u{2028}"
        let line = JSONWriter.write(.object([.init(key: "k", value: .string(text)), .init(key: "n", value: .integers([-1, 0, 7]))]))
        #expect(!line.contains("\n"))
        let parsed = try JSONParser.parse(Array(line.utf8))
        #expect(parsed["k"]?.string == text)
        #expect(parsed["n"]?.array?.compactMap(\.int) == [-1, 0, 7])
        #expect(try JSONParser.parse(Array("1e2".utf8)).int == nil)
        #expect(try JSONParser.parse(Array("99999999999999999999".utf8)).int == nil)
    }

    // MARK: - Helpers

    /// Checks what every role-cross pair must satisfy under `tokenizer`.
    func checkInvariants(_ generation: RolePairGeneration, tokenizer: Tokenizer, bos: Int? = nil,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        func prompt(_ text: String) -> [Int] {
            let ids = tokenizer.encode(text)
            guard let bos, ids.first != bos else { return ids }
            return [bos] + ids
        }
        func bare(_ text: String) -> [Int] { tokenizer.encode(text, addSpecialTokens: false) }
        for pair in generation.pairs {
            let context = "\(pair.clean.debugDescription) / \(pair.corrupted.debugDescription)"
            #expect(pair.cleanIds == prompt(pair.clean), "\(context)", sourceLocation: sourceLocation)
            #expect(pair.corruptedIds == prompt(pair.corrupted), "\(context)", sourceLocation: sourceLocation)
            #expect(pair.cleanIds.count == pair.corruptedIds.count, "\(context)", sourceLocation: sourceLocation)
            #expect(pair.cleanIds != pair.corruptedIds, "\(context)", sourceLocation: sourceLocation)
            #expect(pair.answerId != pair.foilId, "\(context)", sourceLocation: sourceLocation)
            // Answer and foil are single tokens in context, after both prompts.
            for text in [pair.clean, pair.corrupted] {
                #expect(bare(text + pair.answer) == bare(text) + [pair.answerId], "\(context)", sourceLocation: sourceLocation)
                #expect(bare(text + pair.foil) == bare(text) + [pair.foilId], "\(context)", sourceLocation: sourceLocation)
            }
            // The corrupted prompt is the clean one with agent and patient swapped.
            #expect(swapWords(pair.clean, pair.agent, pair.patient) == pair.corrupted, "\(context)", sourceLocation: sourceLocation)
            // The answer fills the role asked for in the clean prompt; in the corrupted prompt that role is the foil's.
            let (asked, other) = pair.asks == .agent ? (pair.agent, pair.patient) : (pair.patient, pair.agent)
            #expect(pair.answer == " " + asked && pair.foil == " " + other, "\(context)", sourceLocation: sourceLocation)
        }
    }

    /// `text` with whole words `a` and `b` exchanged.
    func swapWords(_ text: String, _ a: String, _ b: String) -> String {
        var out = "", word = ""
        func flush() {
            out += word == a ? b : word == b ? a : word
            word = ""
        }
        for character in text {
            if character.isLetter {
                word.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }

    /// Templates from JSON fragments (keys fillers, verbs, objects, templates) in a temporary `templates.json`.
    func templatesFile(_ fields: [String: String]) throws(RolePairError) -> RoleTemplates {
        let body = ["fillers", "verbs", "objects", "templates"].compactMap { key in fields[key].map { "\"\(key)\": \($0)" } }
        let url = PairsFixtures.file(["{" + body.joined(separator: ",\n") + "}"], name: "templates.json")
        return try RoleTemplates(contentsOf: url)
    }
}
