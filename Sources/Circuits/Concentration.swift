/// How concentrated attribution is: `C(k) = Σ top-k |s| / Σ |s|` for k = 1…n, and the
/// smallest k reaching a share (90% by default). The semantic-role paper reports 89–92%
/// of attribution within 28 nodes; circuitry reports the same figure for any model.
public struct Concentration: Sendable, Equatable, Codable {
    /// C(1), C(2), …, C(n); empty when there are no scores, all zeros when every score is zero.
    public let curve: [Double]
    /// Σ |s| over everything scored.
    public let total: Double

    public init<S: Sequence<Double>>(scores: S) {
        let magnitudes = scores.map(abs).sorted(by: >)
        let total = magnitudes.reduce(0, +)
        var running = 0.0
        curve = magnitudes.map { value in
            running += value
            return total > 0 ? running / total : 0
        }
        self.total = total
    }

    /// Concentration over a circuit's heads and MLPs (input and logits are not components).
    public init(components circuit: Circuit) {
        self.init(scores: circuit.nodeScores.dropFirst())
    }

    /// Concentration over a circuit's real edges, or nil when only nodes were scored.
    public init?(edges circuit: Circuit) {
        guard let scores = circuit.edgeScores else { return nil }
        let mask = circuit.graph.edgeMask
        self.init(scores: scores.indices.lazy.filter { mask[$0] }.map { scores[$0] })
    }

    /// C(k), with C(0) = 0 and C(k) = 1 beyond the end (when anything is scored).
    public func share(top k: Int) -> Double {
        if k <= 0 || curve.isEmpty { return 0 }
        return curve[min(k, curve.count) - 1]
    }

    /// The smallest k with C(k) ≥ `share`; nil when nothing is scored (all zeros).
    public func smallestK(reaching share: Double = 0.9) -> Int? {
        guard total > 0 else { return nil }
        // Relative slack for rounding in the running sum, so that share 1 is reachable.
        return curve.firstIndex { $0 >= share - 1e-12 }.map { $0 + 1 } ?? curve.count
    }
}
