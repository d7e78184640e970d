/// One filled role question, written the same way wherever the role language is used:
/// by the pair generator (clean and corrupted prompts) and by training (`circuitry train --task roles`),
/// so the pairs a circuit is extracted on are sentences of the language the model was trained on.
public struct RoleInstance: Sendable, Equatable {
    /// `Sentence. Question` + the filler group's answer prefix, e.g. "The chef praised the waiter. Who was praised? The".
    public let prompt: String
    /// " " + the word of the role asked for (" waiter").
    public let answer: String
    /// " " + the other participant (" chef").
    public let foil: String
}

extension RoleTemplates {
    /// `template`'s sentence with `agent` and `patient` (words of `group`), followed by the question asking for `asks`.
    public func instance(
        _ template: Template, asks: Role, group: FillerGroup, agent: String, patient: String, verb: Verb, object: String?
    ) -> RoleInstance {
        let values = [
            "agent": group.mention.replacingPlaceholder("word", with: agent),
            "patient": group.mention.replacingPlaceholder("word", with: patient),
            "past": verb.past, "participle": verb.participle, "object": object ?? "",
        ]
        let sentence = template.sentence.filled(values).capitalizingFirst()
        let question = template.questions[asks] ?? ""
        return RoleInstance(
            prompt: sentence + " " + question.filled(values) + group.answerPrefix,
            answer: " " + (asks == .agent ? agent : patient),
            foil: " " + (asks == .agent ? patient : agent))
    }
}
