import Attribution
import Models
import Testing
@testable import Circuits

@Suite("Faithfulness by patched runs")
struct FaithfulnessTests {
    /// The full graph gives F = 1 and the empty one F = 0, exactly, at both levels.
    @Test(arguments: Fixtures.models)
    func fullAndEmptyAreExact(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let graph = ComponentGraph(model)
        let full = Circuit(graph: graph, nodeScores: Array(repeating: 1, count: graph.sourceCount), edgeScores: nil)
        let empty = Circuit.empty(graph)
        let evaluator = FaithfulnessEvaluator(model: model)
        for level in AblationLevel.allCases {
            let report = try evaluator.evaluate([full, empty], level: level, batches: [batch])
            #expect(report.faithfulness(0) == 1, "\(name) \(level): F(full) = \(report.faithfulness(0))")
            #expect(report.faithfulness(1) == 0, "\(name) \(level): F(empty) = \(report.faithfulness(1))")
            #expect(report.full != report.empty)
        }
    }

    /// m(∅) is the corrupted run's metric and m(M) the clean one's (attribution computes both on its own).
    @Test(arguments: Fixtures.models)
    func extremesMatchTheAttributionRuns(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let scores = try Attributor(model: model, method: .atp).run([batch])
        for level in AblationLevel.allCases {
            let report = try FaithfulnessEvaluator(model: model).evaluate([], level: level, batches: [batch])
            #expect(abs(report.full - scores.cleanMetric) < 1e-5, "\(name) \(level): m(M) \(report.full) vs \(scores.cleanMetric)")
            #expect(abs(report.empty - scores.corruptedMetric) < 1e-5, "\(name) \(level): m(∅) \(report.empty)")
        }
    }

    /// A circuit induced by a node set (every edge among its nodes) patches the same values
    /// at edge level as corrupting the other nodes' outputs does at node level.
    @Test(arguments: Fixtures.models)
    func nodeInducedCircuitsAgreeAcrossLevels(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let graph = ComponentGraph(model)
        let scores = (0..<graph.sourceCount).map { Double(($0 * 7919) % 13) - 6 }
        let full = Circuit(graph: graph, nodeScores: scores, edgeScores: nil)
        let circuits = try [1, 3, graph.sourceCount / 2].map { try full.pruned(.topNodes($0)).circuit }
        let evaluator = FaithfulnessEvaluator(model: model)
        let edges = try evaluator.evaluate(circuits, level: .edges, batches: [batch])
        let nodes = try evaluator.evaluate(circuits, level: .nodes, batches: [batch])
        for i in circuits.indices {
            #expect(abs(edges.faithfulness(i) - nodes.faithfulness(i)) < 1e-4,
                    "\(name) circuit \(i): edge level F \(edges.faithfulness(i)), node level \(nodes.faithfulness(i))")
        }
    }

    /// Removing only the edges out of one node is node-level patching of that node: it
    /// then reaches nothing through the circuit, so everything downstream reads its corrupted value.
    @Test(arguments: Fixtures.models)
    func removingANodesOutgoingEdgesIsPatchingIt(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let graph = ComponentGraph(model)
        let full = Circuit(graph: graph, nodeScores: Array(repeating: 1, count: graph.sourceCount), edgeScores: nil)
        for source in [ComponentGraph.Source.input, .head(layer: 0, head: 1), .mlp(layer: 0)] {
            var edgesCut = full
            let s = graph.sourceIndex(source)
            for j in 0..<graph.destinationCount { edgesCut.edgeIn[s * graph.destinationCount + j] = false }
            var nodeCut = full
            nodeCut.nodeIn[s] = false
            let evaluator = FaithfulnessEvaluator(model: model)
            let byEdges = try evaluator.evaluate([edgesCut], level: .edges, batches: [batch]).circuits[0]
            let byNode = try evaluator.evaluate([nodeCut], level: .nodes, batches: [batch]).circuits[0]
            #expect(abs(byEdges - byNode) < 1e-4, "\(name) \(source.name): edges cut \(byEdges), node patched \(byNode)")
        }
    }

    @Test func aCircuitOfAnotherModelIsRefused() throws {
        let (model, batch) = try Fixtures.load("gpt2")
        let other = ComponentGraph(layers: 7, heads: 3, parallelResidual: false)
        let circuit = Circuit.empty(other)
        #expect(throws: CircuitError.self) {
            try FaithfulnessEvaluator(model: model).evaluate([circuit], level: .edges, batches: [batch])
        }
    }
}

@Suite("Faithfulness curve")
struct FaithfulnessCurveTests {
    @Test func areasByTrapezoids() {
        func point(_ x: Double, _ f: Double) -> FaithfulnessCurve.Point {
            .init(fraction: x, components: 0, edges: 0, metric: 0, faithfulness: f)
        }
        let curve = FaithfulnessCurve(unit: "edges", level: .edges, points: [point(0, 0), point(0.5, 1.5), point(1, 1)])
        #expect(abs(curve.cpr - (0.5 * 0.75 + 0.5 * 1.25)) < 1e-15)
        #expect(abs(curve.cmd - (0.5 * 0.75 + 0.5 * 0.25)) < 1e-15)
    }

    /// On EAP scores the sweep starts at F = 0 (no edges) and ends at F = 1 (all), exactly.
    @Test(arguments: ["gpt2", "llama-gqa"])
    func endpointsAreExact(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let full = Circuit(try Attributor(model: model, method: .eap).run([batch]))
        let curve = try FaithfulnessEvaluator(model: model).curve(full, fractions: [0, 0.1, 0.5, 1], level: .edges, batches: [batch])
        #expect(curve.points.map(\.faithfulness).first == 0 && curve.points.map(\.faithfulness).last == 1)
        #expect(curve.points[1].edges <= curve.points[2].edges)
        #expect(curve.cpr > 0 && curve.cmd >= 0, "CPR \(curve.cpr) CMD \(curve.cmd)")
    }
}
