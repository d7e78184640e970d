import Attribution
import Circuits
import Foundation

/// What every checkpoint of a sweep is extracted with. Written to `settings.json` in the
/// output folder; a sweep resumed (or merged) with other settings is refused, so one
/// folder never mixes circuits made differently.
public struct SweepSettings: Codable, Sendable, Equatable {
    public var method: String
    public var metric: String
    public var igSteps: Int?
    public var rule: String
    public var level: String?
    public var pairsFile: String
    public var pairsHash: String
    /// k of the top-k overlaps: the circuit size of a `top-nodes` rule, else 28 (the paper's size).
    public var topK: Int

    public init(options: Extraction.Options, pairsFile: String, pairsHash: String) {
        method = options.method.rawValue
        metric = options.metric.rawValue
        igSteps = options.method == .eapIG ? options.igSteps : nil
        rule = options.rule.description
        level = options.level?.rawValue
        self.pairsFile = pairsFile
        self.pairsHash = pairsHash
        if case let .topNodes(k) = options.rule, k > 0 { topK = k } else { topK = 28 }
    }

    /// Settings that change the circuits; the pairs file may move, its content may not.
    func differences(from other: SweepSettings) -> [String] {
        var keys: [String] = []
        if method != other.method { keys.append("method \(other.method) → \(method)") }
        if metric != other.metric { keys.append("metric \(other.metric) → \(metric)") }
        if igSteps != other.igSteps { keys.append("ig_steps \(other.igSteps.map(String.init) ?? "-") → \(igSteps.map(String.init) ?? "-")") }
        if rule != other.rule { keys.append("rule \(other.rule) → \(rule)") }
        if level != other.level { keys.append("level \(other.level ?? "default") → \(level ?? "default")") }
        if pairsHash != other.pairsHash { keys.append("pairs (hash \(other.pairsHash) → \(pairsHash))") }
        return keys
    }
}

/// The final checkpoint's circuit measured on one checkpoint (`final.json`).
public struct FinalCircuitCheck: Codable, Sendable, Equatable {
    public var finalStep: Int
    public var level: AblationLevel
    public var full: Double
    public var empty: Double
    public var circuit: Double
    /// nil when m(M) = m(∅) at this checkpoint.
    public var faithfulness: Double?
}
