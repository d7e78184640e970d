import Attribution
import Foundation
import Testing
@testable import Circuits

/// Faithfulness against PyTorch: fixtures/faithfulness/<model>/reference.json, made by
/// tools/make_faithfulness_fixtures.py (an explicit float64 torch forward with hooks, its
/// own edge-level patching; not circuitry's code). Every fixed edge and node set's m(C)
/// and F within 1e-4.
@Suite("Faithfulness vs PyTorch")
struct FaithfulnessReferenceTests {
    struct Value: Decodable { let mean: Double; let per_pair: [Double] }
    struct EdgeCircuit: Decodable { let edges: [Int]; let m: Value; let faithfulness: Double }
    struct NodeCircuit: Decodable { let nodes: [String]; let m: Value; let faithfulness: Double }
    struct Reference: Decodable {
        let edges: [String]
        let m_full: Value
        let m_empty: Value
        let edge_circuits: [String: EdgeCircuit]
        let node_circuits: [String: NodeCircuit]
    }

    static func reference(_ name: String) throws -> Reference {
        let url = Fixtures.root.appendingPathComponent("fixtures/faithfulness/\(name)/reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// The largest |difference| between two lists, printed on failure.
    static func expectClose(_ actual: [Double], _ expected: [Double], _ label: String) {
        #expect(actual.count == expected.count, "\(label): \(actual.count) values, expected \(expected.count)")
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-4, "\(label): max |diff| \(worst)")
    }

    @Test(arguments: Fixtures.models)
    func edgeLevel(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let reference = try Self.reference(name)
        let graph = ComponentGraph(model)
        let slots = Dictionary(uniqueKeysWithValues: graph.edges.map {
            (graph.edgeName($0.source, $0.destination), graph.sourceIndex($0.source) * graph.destinationCount + graph.destinationIndex($0.destination))
        })
        #expect(Set(reference.edges) == Set(slots.keys), "\(name): the graphs' edges differ")
        let names = reference.edge_circuits.keys.sorted()
        let circuits = try names.map { key in
            var circuit = Circuit.empty(graph)
            for index in reference.edge_circuits[key]!.edges { circuit.edgeIn[try #require(slots[reference.edges[index]])] = true }
            return circuit
        }
        let report = try FaithfulnessEvaluator(model: model).evaluate(circuits, level: .edges, batches: [batch])
        Self.expectClose(report.fullPerPair, reference.m_full.per_pair, "\(name) m(M)")
        Self.expectClose(report.emptyPerPair, reference.m_empty.per_pair, "\(name) m(∅)")
        for (i, key) in names.enumerated() {
            let expected = reference.edge_circuits[key]!
            Self.expectClose(report.circuitsPerPair[i], expected.m.per_pair, "\(name) \(key) m(C)")
            Self.expectClose([report.faithfulness(i)], [expected.faithfulness], "\(name) \(key) F")
        }
    }

    @Test(arguments: Fixtures.models)
    func nodeLevel(name: String) throws {
        let (model, batch) = try Fixtures.load(name)
        let reference = try Self.reference(name)
        let graph = ComponentGraph(model)
        let names = reference.node_circuits.keys.sorted()
        let circuits = names.map { key in
            let kept = Set(reference.node_circuits[key]!.nodes)
            var circuit = Circuit.empty(graph)
            for (index, node) in graph.nodeNames.enumerated() where kept.contains(node) { circuit.nodeIn[index] = true }
            return circuit
        }
        let report = try FaithfulnessEvaluator(model: model).evaluate(circuits, level: .nodes, batches: [batch])
        for (i, key) in names.enumerated() {
            let expected = reference.node_circuits[key]!
            Self.expectClose(report.circuitsPerPair[i], expected.m.per_pair, "\(name) \(key) m(C)")
            Self.expectClose([report.faithfulness(i)], [expected.faithfulness], "\(name) \(key) F")
        }
    }
}
