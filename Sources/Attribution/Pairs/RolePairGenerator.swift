import Models

/// Generates role-cross minimal pairs (the semantic-roles paper's method) from
/// `RoleTemplates`, keeping only pairs that are valid under one tokenizer:
/// clean and corrupted of equal token length, and answer and foil single tokens
/// in context (`encode(prompt + answer) == encode(prompt) + [t]`) after both prompts.
///
/// Candidates are (template, question, filler group, agent ≠ patient, verb,
/// object). Each (template, question) is a stratum whose candidates are visited
/// in a seeded pseudo-random order without repeats; strata take turns giving
/// their next valid pair, so voices and questions stay balanced and every prefix
/// of the output is balanced too. The same templates, tokenizer, count and seed
/// give the same pairs; a larger count with the same seed extends the list.
public struct RolePairGenerator: Sendable {
    public let templates: RoleTemplates
    public let tokenizer: Tokenizer
    let encoder: PromptEncoder
    private let strata: [Stratum]

    public init(templates: RoleTemplates, tokenizer: Tokenizer, options: PairOptions = PairOptions()) throws(RolePairError) {
        self.templates = templates
        self.tokenizer = tokenizer
        do {
            encoder = try PromptEncoder(tokenizer: tokenizer, options: options)
        } catch {
            throw .noBOS
        }
        var strata: [Stratum] = []
        for (t, template) in templates.templates.enumerated() {
            let groups = template.fillers.compactMap { name in templates.fillerGroups.firstIndex { $0.name == name } }
            let pairCounts = groups.map { g in
                let n = UInt64(templates.fillerGroups[g].words.count)
                return n * (n > 0 ? n - 1 : 0)
            }
            let verbs = UInt64(templates.verbLists[template.verbs]!.count)
            let objects = UInt64(template.objects.map { templates.objectLists[$0]!.count } ?? 1)
            let (partial, overflow1) = pairCounts.reduce(0, +).multipliedReportingOverflow(by: verbs)
            let (total, overflow2) = partial.multipliedReportingOverflow(by: objects)
            guard !overflow1, !overflow2 else {
                throw .template(file: templates.source, place: "templates[\(t)]", message: "has too many combinations")
            }
            for role in RoleTemplates.Role.allCases where template.questions[role] != nil {
                strata.append(Stratum(template: t, asks: role, groups: groups, pairCounts: pairCounts,
                                      verbs: verbs, count: total))
            }
        }
        self.strata = strata
    }

    /// Number of candidates (valid or not) over all strata.
    public var candidateCount: UInt64 { strata.reduce(0) { $0 + $1.count } }

    /// `count` valid pairs for `seed`, or `RolePairError.notEnoughPairs` saying how many exist.
    ///
    /// With `solvedBy`, a valid candidate is kept only when that model solves it: the logit of the
    /// answer exceeds the foil's after the clean prompt, and the foil's exceeds the answer's after
    /// the corrupted one (the roles are swapped there). Circuit discovery usually keeps only the
    /// prompts a model gets right (as IOI studies do); strata the model never solves then give
    /// no pairs, so the output is balanced only over those it does.
    public func generate(count: Int, seed: UInt64, solvedBy model: Transformer? = nil) throws(RolePairError) -> RolePairGeneration {
        guard count > 0 else { throw .invalidCount(count) }
        var rng = SplitMix64(seed: seed)
        let permutations = strata.map { IndexPermutation(count: max($0.count, 1), rng: &rng) }
        var cursors = [UInt64](repeating: 0, count: strata.count)
        var active = strata.indices.filter { strata[$0].count > 0 }
        var pairs: [RolePair] = []
        var seen: Set<[String]> = []
        var rejected: [RoleRejection: Int] = [:]
        var examined = 0

        while pairs.count < count, !active.isEmpty {
            var stillActive: [Int] = []
            for s in active {
                if pairs.count == count {
                    stillActive.append(s)
                    continue
                }
                var found = false
                while cursors[s] < strata[s].count {
                    let index = permutations[s][cursors[s]]
                    cursors[s] += 1
                    examined += 1
                    switch candidate(strata[s], index: index) {
                    case let .failure(reason):
                        rejected[reason, default: 0] += 1
                    case let .success(pair):
                        guard seen.insert([pair.clean, pair.corrupted, pair.answer, pair.foil]).inserted else {
                            rejected[.duplicate, default: 0] += 1
                            continue
                        }
                        if let model, try !Self.solves(model, pair) {
                            rejected[.notSolved, default: 0] += 1
                            continue
                        }
                        pairs.append(pair)
                        found = true
                    }
                    if found { break }
                }
                if cursors[s] < strata[s].count { stillActive.append(s) }
            }
            active = stillActive
        }
        guard pairs.count == count else {
            throw .notEnoughPairs(requested: count, possible: pairs.count, examined: examined, rejected: rejected)
        }
        return RolePairGeneration(pairs: pairs, seed: seed, examined: examined, rejected: rejected)
    }

    /// Whether `model` prefers the answer after the clean prompt and the foil after the corrupted one
    /// (the logit difference at the last token, from two unembedding rows).
    static func solves(_ model: Transformer, _ pair: RolePair) throws(RolePairError) -> Bool {
        do {
            let tokens = try TokenBatch([pair.cleanIds, pair.corruptedIds])
            let last = pair.cleanIds.count - 1
            let differences = try Metric.logitDiff.perPair(
                model, normalized: model.finalResidual(tokens), lastRows: [last, tokens.length + last],
                answers: [pair.answerId, pair.answerId], foils: [pair.foilId, pair.foilId], cleanLogProbs: nil)
            return differences.storage[0] > 0 && differences.storage[1] < 0
        } catch {
            throw .modelFailed(pair: pair.clean, reason: "\(error)")
        }
    }

    /// A (template, question) and the size of its candidate space
    /// (ordered filler pairs × verbs × objects).
    struct Stratum: Sendable {
        let template: Int
        let asks: RoleTemplates.Role
        let groups: [Int]
        let pairCounts: [UInt64]
        let verbs: UInt64
        let count: UInt64
    }

    /// Builds candidate `index` of a stratum and checks it under the tokenizer.
    func candidate(_ stratum: Stratum, index: UInt64) -> Result<RolePair, RoleRejection> {
        let template = templates.templates[stratum.template]
        let fillerPairs = stratum.pairCounts.reduce(0, +)
        var pairIndex = index % fillerPairs
        let rest = index / fillerPairs
        let verb = templates.verbLists[template.verbs]![Int(rest % stratum.verbs)]
        let object = template.objects.map { templates.objectLists[$0]![Int(rest / stratum.verbs)] }
        var g = 0
        while pairIndex >= stratum.pairCounts[g] {
            pairIndex -= stratum.pairCounts[g]
            g += 1
        }
        let group = templates.fillerGroups[stratum.groups[g]]
        let n = UInt64(group.words.count)
        let a = pairIndex / (n - 1), other = pairIndex % (n - 1)
        let agent = group.words[Int(a)], patient = group.words[Int(other >= a ? other + 1 : other)]

        let instance = templates.instance(template, asks: stratum.asks, group: group, agent: agent, patient: patient,
                                          verb: verb, object: object)
        let swapped = templates.instance(template, asks: stratum.asks, group: group, agent: patient, patient: agent,
                                         verb: verb, object: object)
        let (clean, corrupted, answer, foil) = (instance.prompt, swapped.prompt, instance.answer, instance.foil)

        let base = encoder.bare(clean)
        guard case let .token(answerId) = encoder.continuation(of: clean, base: base, with: answer) else {
            return .failure(.answerNotSingleToken)
        }
        guard case let .token(foilId) = encoder.continuation(of: clean, base: base, with: foil) else {
            return .failure(.foilNotSingleToken)
        }
        guard answerId != foilId else { return .failure(.sameToken) }
        let cleanIds = encoder.prompt(clean), corruptedIds = encoder.prompt(corrupted)
        guard cleanIds.count == corruptedIds.count else { return .failure(.unequalLength) }
        let corruptedBase = encoder.bare(corrupted)
        guard encoder.continuation(of: corrupted, base: corruptedBase, with: foil) == .token(foilId),
              encoder.continuation(of: corrupted, base: corruptedBase, with: answer) == .token(answerId) else {
            return .failure(.corruptedContext)
        }
        guard cleanIds != corruptedIds else { return .failure(.identicalPrompts) }
        return .success(RolePair(
            clean: clean, corrupted: corrupted, answer: answer, foil: foil, cleanIds: cleanIds, corruptedIds: corruptedIds,
            answerId: answerId, foilId: foilId, voice: template.voice, asks: stratum.asks, agent: agent, patient: patient,
            verb: verb.past, object: object))
    }
}
