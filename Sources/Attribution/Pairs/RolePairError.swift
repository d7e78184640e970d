import Foundation

/// Why role-cross pairs could not be generated or written.
public enum RolePairError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A problem in a templates file; `place` is the JSON path of the offending value.
    case template(file: String, place: String?, message: String)
    /// Fewer valid pairs exist than were asked for; every candidate was examined.
    case notEnoughPairs(requested: Int, possible: Int, examined: Int, rejected: [RoleRejection: Int])
    case invalidCount(Int)
    /// BOS prepending was asked for, but there is no BOS token.
    case noBOS
    case cannotWrite(path: String, reason: String)
    /// The model that was to solve the pairs failed to run on one.
    case modelFailed(pair: String, reason: String)

    public var description: String {
        switch self {
        case let .template(file, place, message):
            if let place { return "\(file): \(place) \(message)" }
            return "\(file): \(message)"
        case let .notEnoughPairs(requested, possible, examined, rejected):
            let solving = rejected[.notSolved, default: 0] > 0
            return "only \(possible) valid pair\(possible == 1 ? "" : "s") exist under this tokenizer"
                + (solving ? " that the model solves" : "") + ", \(requested) requested "
                + "(all \(examined) candidates examined; rejected: \(RoleRejection.summary(rejected))); "
                + "ask for at most \(possible), or add words that are single tokens to the lists"
        case let .invalidCount(count):
            return "the number of pairs must be positive, got \(count)"
        case .noBOS:
            return "BOS prepending was asked for (--prepend-bos), but the tokenizer has no BOS token "
                + "(its post-processor adds none and no bos_token is configured)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot be written (\(reason))"
        case let .modelFailed(pair, reason):
            return "the model failed on the pair \"\(pair)\": \(reason)"
        }
    }
}

extension RolePairError: LocalizedError {
    public var errorDescription: String? { description }
}

extension RoleRejection {
    /// "1200 answer not one token in context, 3 clean and corrupted lengths differ" (most frequent first), or "none".
    public static func summary(_ counts: [RoleRejection: Int]) -> String {
        let parts = allCases.filter { (counts[$0] ?? 0) > 0 }
            .sorted { counts[$0]! > counts[$1]! }
            .map { "\(counts[$0]!) \($0)" }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
