import Foundation

/// How one quantity changed over the series: its total variation and the single transition
/// between consecutive checkpoints that moved it most.
public struct SignalChange: Codable, Sendable, Equatable {
    public var signal: String
    /// Σ |value_i − value_{i−1}| over consecutive checkpoints.
    public var totalVariation: Double
    /// The largest single transition, as steps and as its share of the total variation.
    public var largestFromStep: Int
    public var largestToStep: Int
    public var largestChange: Double
    public var largestShare: Double
    /// The scale the size floor is measured against (1 for overlap distances, the largest
    /// |value| for a metric).
    public var scale: Double
    public var abrupt: Bool
}

/// Gradual refinement or a jump? DESIGN.md carries the finding to test against: the
/// semantic-role circuits of Aljaafari et al. (arXiv 2511.20910) refine gradually over Pythia
/// checkpoints rather than appearing in a phase transition. The rule below flags the
/// opposite — most of a quantity's change happening between two adjacent checkpoints — and
/// is written into every output verbatim.
///
/// Judged signals: the distance of each checkpoint's circuit to the final circuit
/// (1 − node Jaccard, and 1 − edge Jaccard when edges were scored) and the clean metric
/// (the behaviour itself). Distances to the final circuit rather than consecutive changes,
/// because an unformed circuit churns from checkpoint to checkpoint and that churn would
/// drown a real jump; faithfulness is not judged, because its denominator m(M) − m(∅) is
/// near zero before the behaviour exists, which makes its early values noise.
public struct EmergenceVerdict: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case gradual, abrupt, undetermined }

    /// A transition is a jump when it carries more than this share of the total variation…
    public static let jumpShare = 0.5
    /// …and moves the signal by at least this fraction of its scale (so a circuit that swaps
    /// one node once, and otherwise never changes, is not a jump).
    public static let jumpFloor = 0.2
    /// Fewer transitions say nothing: with two, one always carries half.
    public static let minimumTransitions = 3

    public static let rule =
        "abrupt if, for any judged signal (distance 1 − Jaccard of each circuit to the final circuit, for nodes and "
        + "for edges; the clean metric), one transition between consecutive checkpoints carries more than "
        + "\(Int(jumpShare * 100))% of the signal's total variation Σ|Δ| and moves it by at least "
        + "\(Int(jumpFloor * 100))% of its scale (1 for distances, max |value| for the metric); gradual otherwise; "
        + "undetermined with fewer than \(minimumTransitions) transitions. Reference: Aljaafari et al. "
        + "(arXiv 2511.20910) found gradual refinement over Pythia checkpoints, not phase transitions."

    public var verdict: Kind
    public var rule: String
    /// The signals judged (those with at least `minimumTransitions` transitions).
    public var signals: [SignalChange]
    /// One sentence: which signal decided, where, and by how much.
    public var reason: String

    /// Judges signals given as (step, value) points ordered by step. `scale` nil means the
    /// largest |value| of that signal.
    public init(signals: [(name: String, scale: Double?, points: [(step: Int, value: Double)])]) {
        rule = Self.rule
        self.signals = signals.compactMap { Self.change(of: $0.name, scale: $0.scale, points: $0.points) }
        if self.signals.isEmpty {
            verdict = .undetermined
            reason = "fewer than \(Self.minimumTransitions) transitions between checkpoints"
        } else if let jump = self.signals.filter(\.abrupt).max(by: { $0.largestShare < $1.largestShare }) {
            verdict = .abrupt
            reason = "\(jump.signal): step \(jump.largestFromStep) → \(jump.largestToStep) carries "
                + "\(Self.percent(jump.largestShare)) of its total change"
        } else {
            verdict = .gradual
            let largest = self.signals.max { $0.largestShare < $1.largestShare }!
            reason = "no single transition dominates; the largest, \(largest.signal) at step "
                + "\(largest.largestFromStep) → \(largest.largestToStep), carries \(Self.percent(largest.largestShare))"
        }
    }

    static func change(of signal: String, scale: Double?, points: [(step: Int, value: Double)]) -> SignalChange? {
        guard points.count > Self.minimumTransitions else { return nil }
        var total = 0.0
        var largest = (index: 1, change: 0.0)
        for i in 1..<points.count {
            let change = abs(points[i].value - points[i - 1].value)
            total += change
            if change > largest.change { largest = (i, change) }
        }
        let scale = scale ?? points.map { abs($0.value) }.max()!
        let share = total > 0 ? largest.change / total : 0
        let abrupt = share > jumpShare && scale > 0 && largest.change >= jumpFloor * scale
        return SignalChange(signal: signal, totalVariation: total, largestFromStep: points[largest.index - 1].step,
                            largestToStep: points[largest.index].step, largestChange: largest.change,
                            largestShare: share, scale: scale, abrupt: abrupt)
    }

    private static func percent(_ share: Double) -> String { String(format: "%.0f%%", share * 100) }
}
