/// Why a role-cross candidate was not kept (the first check it failed, in this order).
public enum RoleRejection: String, Error, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// `" " + answer word` does not add exactly one token after the clean prompt.
    case answerNotSingleToken = "answer_not_single_token"
    /// `" " + foil word` does not add exactly one token after the clean prompt.
    case foilNotSingleToken = "foil_not_single_token"
    /// Answer and foil are one and the same token (e.g. both unknown).
    case sameToken = "same_token"
    /// Clean and corrupted prompts tokenize to different lengths.
    case unequalLength = "unequal_length"
    /// After the corrupted prompt, answer and foil are not the same single tokens as after the clean one.
    case corruptedContext = "corrupted_context"
    /// Clean and corrupted prompts tokenize to the same ids.
    case identicalPrompts = "identical_prompts"
    /// The same pair came from another template.
    case duplicate = "duplicate"
    /// With a model to solve them (`--solved-only`): the model does not prefer the answer after
    /// the clean prompt and the foil after the corrupted one.
    case notSolved = "not_solved"

    public var description: String {
        switch self {
        case .answerNotSingleToken: "answer not one token in context"
        case .foilNotSingleToken: "foil not one token in context"
        case .sameToken: "answer and foil the same token"
        case .unequalLength: "clean and corrupted lengths differ"
        case .corruptedContext: "answer or foil another token after the corrupted prompt"
        case .identicalPrompts: "prompts tokenize identically"
        case .duplicate: "duplicate of an earlier pair"
        case .notSolved: "not solved by the model"
        }
    }
}
