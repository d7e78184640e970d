import Models

/// Turns one parsed line of a pairs file into a checked `MinimalPair`, or into
/// the list of everything wrong with it (without file and line, which the caller adds).
struct PairLineDecoder: Sendable {
    let encoder: PromptEncoder
    let vocabSize: Int

    static let textKeys = ["clean", "corrupted", "answer", "foil"]
    static let idKeys = ["clean_ids", "corrupted_ids", "answer_id", "foil_id"]

    func decode(_ value: JSONValue, line: Int) -> Result<MinimalPair, Problems> {
        guard case .object = value else {
            return .failure(Problems(["expected a JSON object, found \(value.typeName)"]))
        }
        let present = Set(value.keys)
        let usesIds = Self.idKeys.contains(where: present.contains)
        let needed = usesIds ? Self.idKeys : Self.textKeys
        let missing = needed.filter { !present.contains($0) }
        if missing.count == needed.count {
            let found = value.keys.isEmpty ? "the object is empty" : "found " + Self.quoted(value.keys)
            return .failure(Problems(["missing keys: a pair needs \(Self.quoted(Self.textKeys)) (text) or "
                + "\(Self.quoted(Self.idKeys)) (token ids); \(found)"]))
        }
        if !missing.isEmpty {
            let kind = usesIds ? "a line with token ids needs \(Self.quoted(Self.idKeys))"
                               : "a line with text needs \(Self.quoted(Self.textKeys))"
            return .failure(Problems(["missing key\(missing.count == 1 ? "" : "s") \(Self.quoted(missing)) (\(kind))"]))
        }

        // Types: text fields are strings wherever they appear (with ids they are kept for display).
        var problems: [String] = []
        var texts: [String: String] = [:]
        for key in Self.textKeys {
            guard let field = value[key] else { continue }
            if let s = field.string { texts[key] = s } else {
                problems.append("\"\(key)\" must be a string, found \(field.typeName) \(field.snippet)")
            }
        }
        var tags: [String: String] = [:]
        for member in Self.members(value) where !(Self.textKeys + Self.idKeys).contains(member.key) {
            if let s = member.value.string { tags[member.key] = s }
        }
        if usesIds {
            let clean = idList(value, "clean_ids", &problems)
            let corrupted = idList(value, "corrupted_ids", &problems)
            let answer = singleId(value, "answer_id", &problems)
            let foil = singleId(value, "foil_id", &problems)
            guard problems.isEmpty, let clean, let corrupted, let answer, let foil else { return .failure(Problems(problems)) }
            return checked(clean: clean, corrupted: corrupted, answer: answer, foil: foil, line: line, tags: tags,
                           text: texts)
        }
        guard problems.isEmpty else { return .failure(Problems(problems)) }
        return fromText(texts, line: line, tags: tags)
    }

    struct Problems: Error {
        let messages: [String]
        init(_ messages: [String]) { self.messages = messages }
    }

    private func fromText(_ texts: [String: String], line: Int, tags: [String: String]) -> Result<MinimalPair, Problems> {
        let clean = texts["clean"]!, corrupted = texts["corrupted"]!
        var problems: [String] = []
        if clean.isEmpty { problems.append("the clean prompt is empty") }
        if corrupted.isEmpty { problems.append("the corrupted prompt is empty") }
        guard problems.isEmpty else { return .failure(Problems(problems)) }

        let base = encoder.bare(clean)
        var ids: [String: Int] = [:]
        for key in ["answer", "foil"] {
            switch encoder.continuation(of: clean, base: base, with: texts[key]!) {
            case let .token(id): ids[key] = id
            case let .notSingle(message):
                problems.append("the \(key) \(texts[key]!.debugDescription) is not a single token after the clean prompt: "
                    + "it \(message) (an answer usually needs its leading space, e.g. \" chef\")")
            }
        }
        let cleanIds = encoder.prompt(clean), corruptedIds = encoder.prompt(corrupted)
        if cleanIds.isEmpty || corruptedIds.isEmpty {
            problems.append("a prompt has no tokens")
            return .failure(Problems(problems))
        }
        guard let answer = ids["answer"], let foil = ids["foil"] else {
            if cleanIds.count != corruptedIds.count { problems.append(unequalLengths(cleanIds, corruptedIds)) }
            return .failure(Problems(problems))
        }
        return checked(clean: cleanIds, corrupted: corruptedIds, answer: answer, foil: foil, line: line, tags: tags,
                       text: texts)
    }

    /// The checks shared by text and id lines, on the final ids.
    private func checked(clean: [Int], corrupted: [Int], answer: Int, foil: Int, line: Int, tags: [String: String],
                         text: [String: String]) -> Result<MinimalPair, Problems> {
        var problems: [String] = []
        if clean.isEmpty { problems.append("\"clean_ids\" is empty") }
        if corrupted.isEmpty { problems.append("\"corrupted_ids\" is empty") }
        for (key, list) in [("clean_ids", clean), ("corrupted_ids", corrupted), ("answer_id", [answer]), ("foil_id", [foil])] {
            let bad = list.indices.filter { !(0..<vocabSize).contains(list[$0]) }
            guard !bad.isEmpty else { continue }
            if !key.hasSuffix("_ids") {
                problems.append("\"\(key)\" = \(list[0]) is outside the vocabulary (0..<\(vocabSize))")
            } else if bad.count == 1 {
                problems.append("\"\(key)\"[\(bad[0])] = \(list[bad[0]]) is outside the vocabulary (0..<\(vocabSize))")
            } else {
                let shown = bad.prefix(5).map { "[\($0)] = \(list[$0])" }.joined(separator: ", ")
                problems.append("\"\(key)\" has \(bad.count) ids outside the vocabulary (0..<\(vocabSize)): \(shown)"
                    + (bad.count > 5 ? ", …" : ""))
            }
        }
        guard problems.isEmpty else { return .failure(Problems(problems)) }
        if clean.count != corrupted.count { problems.append(unequalLengths(clean, corrupted)) }
        if clean == corrupted {
            problems.append("the clean and corrupted prompts are identical (\(encoder.describe(clean))); "
                + "a pair whose prompts are the same carries no signal")
        }
        if answer == foil {
            problems.append("the answer and the foil are the same token \(encoder.describe([answer])); "
                + "their logit difference is always 0")
        }
        guard problems.isEmpty else { return .failure(Problems(problems)) }
        let tokenizer = encoder.tokenizer
        let display = MinimalPair.Text(
            clean: text["clean"] ?? tokenizer.decode(clean), corrupted: text["corrupted"] ?? tokenizer.decode(corrupted),
            answer: text["answer"] ?? tokenizer.decode([answer]), foil: text["foil"] ?? tokenizer.decode([foil]))
        return .success(MinimalPair(cleanIds: clean, corruptedIds: corrupted, answerId: answer, foilId: foil,
                                    line: line, text: display, tags: tags))
    }

    private func unequalLengths(_ clean: [Int], _ corrupted: [Int]) -> String {
        "the clean and corrupted prompts have different token lengths: clean \(clean.count) tokens "
            + "\(encoder.describe(clean)), corrupted \(corrupted.count) tokens \(encoder.describe(corrupted))"
    }

    private func idList(_ value: JSONValue, _ key: String, _ problems: inout [String]) -> [Int]? {
        let field = value[key]!
        guard let elements = field.array else {
            problems.append("\"\(key)\" must be an array of integer token ids, found \(field.typeName) \(field.snippet)")
            return nil
        }
        var ids: [Int] = []
        for (i, element) in elements.enumerated() {
            guard let id = element.int else {
                problems.append("\"\(key)\"[\(i)] must be an integer token id, found \(element.typeName) \(element.snippet)")
                return nil
            }
            ids.append(id)
        }
        return ids
    }

    private func singleId(_ value: JSONValue, _ key: String, _ problems: inout [String]) -> Int? {
        let field = value[key]!
        guard let id = field.int else {
            problems.append("\"\(key)\" must be an integer token id, found \(field.typeName) \(field.snippet)")
            return nil
        }
        return id
    }

    private static func members(_ value: JSONValue) -> [JSONValue.Member] {
        if case let .object(members) = value { return members }
        return []
    }

    static func quoted(_ keys: [String]) -> String {
        keys.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
