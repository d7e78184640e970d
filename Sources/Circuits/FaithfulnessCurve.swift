import Attribution

/// Faithfulness over circuit sizes, as in the MIB benchmark: circuits of growing size cut
/// from one scored graph (top edges by |score|, or top components for node-scored graphs),
/// F measured by patched runs, and the areas CPR = ∫ F and CMD = ∫ |1 − F| over the
/// kept fraction in [0, 1] (trapezoids). Higher CPR and lower CMD are better.
public struct FaithfulnessCurve: Sendable, Equatable, Codable {
    public struct Point: Sendable, Equatable, Codable {
        /// Share of the graph's edges (or components) the rule asked for: the x axis.
        public let fraction: Double
        /// What the circuit holds after dangling parts were dropped.
        public let components: Int
        public let edges: Int
        public let metric: Double
        public let faithfulness: Double
    }

    /// What `fraction` counts: `edges` or `components`.
    public let unit: String
    public let level: AblationLevel
    public let points: [Point]
    public let cpr: Double
    public let cmd: Double

    /// MIB's sizes: 0, 0.1%, 0.2%, 0.5%, 1%, 2%, 5%, 10%, 20%, 50%, 100%.
    public static let mibFractions = [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]

    public init(unit: String, level: AblationLevel, points: [Point]) {
        self.unit = unit
        self.level = level
        self.points = points
        var cpr = 0.0, cmd = 0.0
        for (a, b) in zip(points, points.dropFirst()) {
            let width = b.fraction - a.fraction
            cpr += width * (a.faithfulness + b.faithfulness) / 2
            cmd += width * (abs(1 - a.faithfulness) + abs(1 - b.faithfulness)) / 2
        }
        self.cpr = cpr
        self.cmd = cmd
    }
}

extension FaithfulnessEvaluator {
    /// Cuts `full` at each fraction (top edges when it has edge scores, else top components)
    /// and measures every cut in one sweep over the batches.
    public func curve(_ full: Circuit, fractions: [Double] = FaithfulnessCurve.mibFractions, level: AblationLevel,
                      batches: [PairBatch], progress: ((Int, Int) -> Void)? = nil) throws -> FaithfulnessCurve {
        let byEdges = full.edgeScores != nil
        let total = byEdges ? full.graph.edgeMask.count { $0 } : full.graph.sourceCount - 1
        let sorted = fractions.sorted()
        let circuits = try sorted.map { fraction in
            let count = Int((fraction * Double(total)).rounded())
            return try full.pruned(byEdges ? .topEdges(count) : .topNodes(count)).circuit
        }
        let report = try evaluate(circuits, level: level, batches: batches, progress: progress)
        let points = zip(sorted, circuits).enumerated().map { i, pair in
            FaithfulnessCurve.Point(fraction: pair.0, components: pair.1.componentCount, edges: pair.1.edgeCount,
                                    metric: report.circuits[i], faithfulness: report.faithfulness(i))
        }
        return FaithfulnessCurve(unit: byEdges ? "edges" : "components", level: level, points: points)
    }
}
