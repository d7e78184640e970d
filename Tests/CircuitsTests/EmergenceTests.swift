import Foundation
import Testing
@testable import Circuits

/// A node-only circuit of a 2-layer, 2-head model holding `nodes`, every node scored 1.
func nodeCircuit(_ nodes: Set<String>) -> NamedCircuit {
    NamedCircuit(layers: 2, heads: 2, nodeScores: Dictionary(uniqueKeysWithValues: nodes.map { ($0, 1.0) }), nodes: nodes)
}

/// A circuit over edges of ten numbered nodes: member edges `n{i}->n{j}`, every edge scored `score(i, j)`.
func edgeCircuit(_ edges: [(Int, Int)], score: (Int, Int) -> Double = { Double($0 + $1) / 10 + 0.1 }) -> NamedCircuit {
    var scores: [String: Double] = [:]
    for i in 0..<10 { for j in (i + 1)..<10 { scores["n\(i)->n\(j)"] = score(i, j) } }
    let names = Set(edges.map { "n\($0.0)->n\($0.1)" })
    let nodes = Set(edges.flatMap { ["n\($0.0)", "n\($0.1)"] })
    return NamedCircuit(layers: 2, heads: 2, nodeScores: Dictionary(uniqueKeysWithValues: nodes.map { ($0, 1.0) }),
                        edgeScores: scores, nodes: nodes, edges: names)
}

@Suite struct PersistenceTests {
    @Test func constructedSeries() {
        let series: [(step: Int, nodes: Set<String>)] = [
            (0, ["input", "m0"]),
            (10, ["input", "a0.h1", "m0"]),
            (100, ["input", "a0.h1", "a1.h0"]),
            (1000, ["input", "a0.h1", "m0", "a1.h0"]),
        ]
        #expect(NodePersistence.of(series) == [
            NodePersistence(node: "input", stableFrom: 0, firstIn: 0, checkpointsIn: 4),
            NodePersistence(node: "a0.h1", stableFrom: 10, firstIn: 10, checkpointsIn: 3),
            NodePersistence(node: "a1.h0", stableFrom: 100, firstIn: 100, checkpointsIn: 2),
            // In early, out at step 100, back at the end: it has not persisted.
            NodePersistence(node: "m0", stableFrom: nil, firstIn: 0, checkpointsIn: 3),
        ])
        #expect(NodePersistence.of([]) == [])
        #expect(NodePersistence.of([(5, ["x"])]) == [NodePersistence(node: "x", stableFrom: nil, firstIn: 5, checkpointsIn: 1)])
    }
}

@Suite struct VerdictTests {
    func points(_ values: [Double]) -> [(step: Int, value: Double)] {
        values.enumerated().map { (step: $0.offset * 100, value: $0.element) }
    }

    @Test func evenRefinementIsGradual() {
        let verdict = EmergenceVerdict(signals: [("distance", 1, points([1, 0.8, 0.6, 0.4, 0.2, 0]))])
        #expect(verdict.verdict == .gradual)
        #expect(abs(verdict.signals[0].totalVariation - 1) < 1e-12)
        #expect(abs(verdict.signals[0].largestShare - 0.2) < 1e-12)
        #expect(verdict.rule == EmergenceVerdict.rule && verdict.rule.contains("50%"))
    }

    @Test func oneDominantTransitionIsAbrupt() {
        let verdict = EmergenceVerdict(signals: [("distance", 1, points([0.9, 0.95, 0.9, 0.1, 0.05, 0]))])
        #expect(verdict.verdict == .abrupt)
        let signal = verdict.signals[0]
        #expect(signal.largestFromStep == 200 && signal.largestToStep == 300)
        #expect(abs(signal.largestShare - 0.8 / 1.0) < 1e-12)
        #expect(verdict.reason.contains("step 200 → 300"))
    }

    @Test func aSmallChangeIsNotAJumpHoweverAlone() {
        // The circuit swaps one node of fourteen once and never changes otherwise.
        let verdict = EmergenceVerdict(signals: [("distance", 1, points([0.07, 0.07, 0, 0, 0]))])
        #expect(verdict.signals[0].largestShare == 1)
        #expect(verdict.verdict == .gradual)
    }

    @Test func metricJumpIsMeasuredAgainstItsOwnScale() {
        let verdict = EmergenceVerdict(signals: [
            ("distance", 1, points([0.5, 0.4, 0.3, 0.2, 0.1, 0])),
            ("clean metric", nil, points([0.01, 0.02, 0.03, 2.0, 2.01, 2.02])),
        ])
        #expect(verdict.verdict == .abrupt)
        #expect(verdict.signals[1].scale == 2.02)
        #expect(verdict.reason.hasPrefix("clean metric"))
    }

    @Test func tooFewCheckpointsAreUndetermined() {
        #expect(EmergenceVerdict(signals: [("distance", 1, points([1, 0, 0]))]).verdict == .undetermined)
        #expect(EmergenceVerdict(signals: [("distance", 1, points([1, 0.5, 0.2, 0]))]).verdict != .undetermined)
    }

    @Test func aSeriesThatNeverChangesIsGradual() {
        #expect(EmergenceVerdict(signals: [("distance", 1, points([0, 0, 0, 0, 0]))]).verdict == .gradual)
    }
}

@Suite struct EmergenceSummaryTests {
    /// Five checkpoints whose circuits grow edge by edge towards the final one.
    var growingSeries: [EmergencePoint] {
        let finalEdges = [(0, 1), (1, 2), (2, 3), (0, 3), (3, 4), (4, 5), (1, 5), (5, 6)]
        return [0, 9, 99, 999, 9999].enumerated().map { index, step in
            let edges = Array(finalEdges.prefix(4 + index))
            return EmergencePoint(step: step, circuit: edgeCircuit(edges),
                                  measurements: StepMeasurements(cleanMetric: Double(index) * 0.5, concentrationK90: 10 - index))
        }
    }

    @Test func pairwiseMatricesAreSymmetricWithUnitDiagonal() throws {
        let summary = try EmergenceSummary(points: growingSeries, topK: 3)
        let matrices = [summary.pairwise.nodeJaccard, summary.pairwise.nodeWeightedJaccard, summary.pairwise.edgeJaccard,
                        summary.pairwise.edgeWeightedJaccard, summary.pairwise.spectral]
        for case let matrix? in matrices {
            #expect(matrix.steps == [0, 9, 99, 999, 9999])
            for i in 0..<5 {
                #expect(matrix.values[i][i] == 1)
                for j in 0..<5 { #expect(matrix.values[i][j] == matrix.values[j][i]) }
            }
        }
        #expect(matrices.allSatisfy { $0 != nil })
        // Different graphs, not merely relabelled: spectral similarity below 1 off the diagonal.
        #expect(summary.pairwise.spectral!.values[0][4] < 1)
    }

    @Test func rowsCompareWithPreviousAndFinal() throws {
        let summary = try EmergenceSummary(points: growingSeries.reversed(), topK: 3)
        #expect(summary.rows.map(\.step) == [0, 9, 99, 999, 9999], "points are ordered by step")
        let first = summary.rows[0], second = summary.rows[1], last = summary.rows[4]
        #expect(first.vsPrevious == nil && first.nodeChange == nil)
        // Edges (0,1),(1,2),(2,3),(0,3) span nodes 0…3; adding (3,4) adds node 4: Jaccard 4/5.
        #expect(second.vsPrevious?.nodeJaccard == 0.8)
        #expect(abs(second.nodeChange! - 0.2) < 1e-15)
        // Steps 0 → 9 is one decade of log10(1 + step), and so is 9 → 99.
        #expect(abs(second.nodeChangePerDecade! - 0.2) < 1e-12)
        #expect(second.vsPrevious?.edgeJaccard == 0.8)
        #expect(first.vsFinal.edgeJaccard == 0.5)
        #expect(first.vsFinal.nodeJaccard == 4.0 / 7)
        #expect(last.vsFinal.nodeJaccard == 1 && last.spectralVsFinal == 1)
        #expect(first.nodes == 4 && first.edges == 4 && last.edges == 8)
        #expect(first.measurements.concentrationK90 == 10)
        #expect(summary.persistence.first == NodePersistence(node: "n0", stableFrom: 0, firstIn: 0, checkpointsIn: 5))
        #expect(summary.persistence.last?.node == "n6" && summary.persistence.last?.stableFrom == nil)
    }

    @Test func verdictJudgesStructureAndMetric() throws {
        let gradual = try EmergenceSummary(points: growingSeries, topK: 3)
        #expect(gradual.verdict.verdict == .gradual)
        #expect(gradual.verdict.signals.map(\.signal) == ["node distance to final circuit", "edge distance to final circuit", "clean metric"])
        // The same circuits, but the behaviour appears in one step.
        let jump = growingSeries.enumerated().map { index, point in
            var point = point
            point.measurements.cleanMetric = index < 3 ? 0 : 3
            return point
        }
        let abrupt = try EmergenceSummary(points: jump, topK: 3)
        #expect(abrupt.verdict.verdict == .abrupt)
        #expect(abrupt.verdict.reason.contains("clean metric: step 99 → 999"))
    }

    @Test func nodeOnlySeriesHasNoEdgeOrSpectralStatistics() throws {
        let summary = try EmergenceSummary(points: [
            EmergencePoint(step: 0, circuit: nodeCircuit(["input", "a0.h0"])),
            EmergencePoint(step: 1, circuit: nodeCircuit(["input", "a0.h1"])),
        ], topK: 2)
        #expect(summary.pairwise.edgeJaccard == nil && summary.pairwise.spectral == nil)
        #expect(summary.rows[1].spectralVsPrevious == nil)
        // a0.h0 against a0.h1: no component in common (input, in both, is not counted).
        let expected: [[Double]] = [[1, 0], [0, 1]]
        #expect(summary.pairwise.nodeJaccard.values == expected)
        #expect(summary.verdict.verdict == .undetermined)
    }

    @Test func badSeriesAreRefused() {
        #expect(throws: EmergenceError.empty) { try EmergenceSummary(points: [], topK: 1) }
        #expect(throws: EmergenceError.duplicateStep(5)) {
            try EmergenceSummary(points: [EmergencePoint(step: 5, circuit: nodeCircuit([])),
                                          EmergencePoint(step: 5, circuit: nodeCircuit(["m0"]))], topK: 1)
        }
        #expect(throws: EmergenceError.negativeStep(-1)) {
            try EmergenceSummary(points: [EmergencePoint(step: -1, circuit: nodeCircuit([]))], topK: 1)
        }
    }

    @Test func jsonRoundTripsWithSnakeCaseKeys() throws {
        var points = growingSeries
        points[0].measurements.faithfulness = .infinity
        points[1].measurements.faithfulness = .nan
        let summary = try EmergenceSummary(points: points, topK: 3)
        let data = try summary.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"concentration_k90\""))
        #expect(text.contains("\"node_change_per_decade\""))
        #expect(text.contains("\"spectral_variant\" : \"\(SpectralSimilarity.variant)\""))
        #expect(text.contains("\"Infinity\""))
        var decoded = try EmergenceSummary.decode(data)
        #expect(decoded.rows[1].measurements.faithfulness!.isNaN)
        // NaN never equals itself; compare the rest.
        decoded.rows[1].measurements.faithfulness = nil
        var expected = summary
        expected.rows[1].measurements.faithfulness = nil
        #expect(decoded == expected)
        #expect(try decoded.jsonData() == expected.jsonData(), "the same statistics give the same bytes")
    }
}
