import Attribution
import Foundation
import Models

/// The role language: sentences in active, passive and dative voice from `circuits/roles/`
/// (the same templates and words the pair generator uses, rendered by `RoleTemplates.instance`),
/// each followed by a question about the agent or the patient and its one-word answer:
/// "the chef praised the waiter . who was praised ? the waiter".
///
/// A tenth of the (filler pair, verb) combinations — unordered, so neither order nor any voice,
/// question or object of a held-out combination is ever trained on — form the held-out split
/// on which role accuracy is measured. The split depends only on the words, not on the seed.
public struct RoleLanguage: Sendable {
    public let templates: RoleTemplates
    public let tokenizerFile: WordLevelTokenizerFile
    public let tokenizer: Tokenizer
    private let strata: [(template: Int, asks: RoleTemplates.Role)]

    /// One question with its answer: `promptIds` (with `<bos>`) followed by `answerId` is the training sequence.
    public struct Example: Sendable, Equatable {
        public let promptIds: [Int]
        public let answerId: Int
        public let foilId: Int
        public let voice: String
        public let asks: RoleTemplates.Role
        /// The text, for messages and tests.
        public let prompt: String
        public let answer: String
    }

    /// Builds the vocabulary from every word the templates can produce and checks that each
    /// filler is one token.
    public init(templates: RoleTemplates) throws {
        self.templates = templates
        var strata: [(Int, RoleTemplates.Role)] = []
        for (t, template) in templates.templates.enumerated() {
            for role in RoleTemplates.Role.allCases where template.questions[role] != nil { strata.append((t, role)) }
        }
        self.strata = strata

        // Vary one slot at a time from a base filling: every word of every slot appears in some text.
        var words: Set<String> = []
        func add(_ instance: RoleInstance) {
            for text in [instance.prompt, instance.answer, instance.foil] { words.formUnion(WordLevelTokenizerFile.pieces(text)) }
        }
        for (t, role) in strata {
            let template = templates.templates[t]
            let verbs = templates.verbLists[template.verbs]!
            let objects: [String?] = template.objects.map { templates.objectLists[$0]! } ?? [nil]
            for name in template.fillers {
                let group = templates.fillerGroups.first { $0.name == name }!
                guard group.words.count >= 2 else {
                    throw TrainingError.roleLanguage("filler group \"\(group.name)\" of \(templates.source) needs at least two words")
                }
                let (a, b) = (group.words[0], group.words[1])
                for word in group.words {
                    let other = word == a ? b : a
                    add(templates.instance(template, asks: role, group: group, agent: word, patient: other, verb: verbs[0], object: objects[0]))
                    add(templates.instance(template, asks: role, group: group, agent: other, patient: word, verb: verbs[0], object: objects[0]))
                }
                for verb in verbs { add(templates.instance(template, asks: role, group: group, agent: a, patient: b, verb: verb, object: objects[0])) }
                for object in objects { add(templates.instance(template, asks: role, group: group, agent: a, patient: b, verb: verbs[0], object: object)) }
            }
        }
        tokenizerFile = WordLevelTokenizerFile(words: words)
        tokenizer = try Tokenizer(json: tokenizerFile.jsonData(), name: "tokenizer.json (role language)")
        for group in templates.fillerGroups {
            for word in group.words where WordLevelTokenizerFile.pieces(word).count != 1 {
                throw TrainingError.roleLanguage("the filler \"\(word)\" of group \"\(group.name)\" (\(templates.source)) is "
                                                 + "\(WordLevelTokenizerFile.pieces(word).count) words; answers must be one token")
            }
        }
    }

    /// Reads `templates.json` (and its word lists).
    public init(templatesFile: URL) throws {
        try self.init(templates: RoleTemplates(contentsOf: templatesFile))
    }

    public var vocabularySize: Int { tokenizerFile.vocabulary.count }

    /// True when the unordered pair {a, b} of `group` with `verb` belongs to the held-out split.
    public func isHeldOut(group: String, _ a: String, _ b: String, verb: String) -> Bool {
        let key = "\(group)|\(min(a, b))|\(max(a, b))|\(verb)"
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a: stable across runs and platforms, unlike Hasher
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return SplitMix64.mix(hash) % 10 == 0
    }

    /// A uniformly drawn example of the training (or held-out) split: stratum (template × question),
    /// filler group, agent ≠ patient, verb and object each uniform; draws in the other split are redrawn.
    public func sample(_ rng: inout SplitMix64, heldOut: Bool) throws -> Example {
        func uniform(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        while true {
            let (t, asks) = strata[uniform(strata.count)]
            let template = templates.templates[t]
            let groupName = template.fillers[uniform(template.fillers.count)]
            let group = templates.fillerGroups.first { $0.name == groupName }!
            let a = uniform(group.words.count)
            var b = uniform(group.words.count - 1)
            if b >= a { b += 1 }
            let verbs = templates.verbLists[template.verbs]!
            let verb = verbs[uniform(verbs.count)]
            let object = template.objects.map { list in templates.objectLists[list]![uniform(templates.objectLists[list]!.count)] }
            let (agent, patient) = (group.words[a], group.words[b])
            guard isHeldOut(group: groupName, agent, patient, verb: verb.past) == heldOut else { continue }
            let instance = templates.instance(template, asks: asks, group: group, agent: agent, patient: patient, verb: verb, object: object)
            return try example(instance, voice: template.voice, asks: asks)
        }
    }

    func example(_ instance: RoleInstance, voice: String, asks: RoleTemplates.Role) throws -> Example {
        let ids = tokenizer.encode(instance.prompt)
        let answer = tokenizer.encode(instance.answer, addSpecialTokens: false)
        let foil = tokenizer.encode(instance.foil, addSpecialTokens: false)
        let unknown = tokenizer.unknownTokenId
        guard answer.count == 1, foil.count == 1, !(ids + answer + foil).contains(where: { $0 == unknown }) else {
            throw TrainingError.roleLanguage("\"\(instance.prompt)\" → \"\(instance.answer)\" does not encode as known "
                                             + "words with a one-token answer")
        }
        return Example(promptIds: ids, answerId: answer[0], foilId: foil[0], voice: voice, asks: asks,
                       prompt: instance.prompt, answer: instance.answer)
    }

    /// `count` distinct held-out examples from a fixed stream (the same for every seed), strata interleaved.
    public func heldOutSet(count: Int) throws -> [Example] {
        var rng = SplitMix64(seed: 0x4E1D_0)
        var seen: Set<[Int]> = []
        var examples: [Example] = []
        var attempts = 0
        while examples.count < count {
            attempts += 1
            if attempts > 100 * count + 10_000 {
                throw TrainingError.roleLanguage("only \(examples.count) distinct held-out examples exist, \(count) were asked for")
            }
            let example = try sample(&rng, heldOut: true)
            if seen.insert(example.promptIds + [example.answerId]).inserted { examples.append(example) }
        }
        return examples
    }

    /// The training batch of update `step`: a function of (seed, step) alone, so a resumed run
    /// draws exactly the batches the uninterrupted run would, and no sampler state needs saving.
    public func trainingBatch(step: Int, seed: UInt64, size: Int) throws -> [Example] {
        var rng = SplitMix64(seed: SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(step) &+ 0x7261_696E)))
        return try (0..<size).map { _ in try sample(&rng, heldOut: false) }
    }
}
