import Models

/// One role-cross minimal pair: the clean prompt names an agent and a patient and
/// asks for one of them; the corrupted prompt swaps the two, so the clean answer
/// is the corrupted prompt's foil and vice versa.
public struct RolePair: Sendable, Hashable {
    public let clean: String
    public let corrupted: String
    /// `" " + word` of the role asked for in the clean prompt.
    public let answer: String
    /// `" " + word` of the other role.
    public let foil: String
    public let cleanIds: [Int]
    public let corruptedIds: [Int]
    public let answerId: Int
    public let foilId: Int
    /// The template's voice label ("active", "passive", "dative", …).
    public let voice: String
    /// The role the question asks for.
    public let asks: RoleTemplates.Role
    /// The filler words of the clean prompt.
    public let agent: String
    public let patient: String
    /// The verb's past form.
    public let verb: String
    public let object: String?

    /// The pair as one JSONL line (no newline): text and ids, then fields for analysis.
    public var jsonLine: String {
        var members: [JSONValue.Member] = [
            .init(key: "clean", value: .string(clean)),
            .init(key: "corrupted", value: .string(corrupted)),
            .init(key: "answer", value: .string(answer)),
            .init(key: "foil", value: .string(foil)),
            .init(key: "clean_ids", value: .integers(cleanIds)),
            .init(key: "corrupted_ids", value: .integers(corruptedIds)),
            .init(key: "answer_id", value: .integer(answerId)),
            .init(key: "foil_id", value: .integer(foilId)),
            .init(key: "voice", value: .string(voice)),
            .init(key: "asks", value: .string(asks.rawValue)),
            .init(key: "agent", value: .string(agent)),
            .init(key: "patient", value: .string(patient)),
            .init(key: "verb", value: .string(verb)),
        ]
        if let object { members.append(.init(key: "object", value: .string(object))) }
        return JSONWriter.write(.object(members))
    }

    /// The pair as the attribution methods take it.
    public func minimalPair(line: Int) -> MinimalPair {
        var tags = ["voice": voice, "asks": asks.rawValue, "agent": agent, "patient": patient, "verb": verb]
        if let object { tags["object"] = object }
        return MinimalPair(cleanIds: cleanIds, corruptedIds: corruptedIds, answerId: answerId, foilId: foilId, line: line,
                           text: .init(clean: clean, corrupted: corrupted, answer: answer, foil: foil), tags: tags)
    }
}
