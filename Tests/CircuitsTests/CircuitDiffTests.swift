import Attribution
import Testing
@testable import Circuits

@Suite struct CircuitDiffTests {
    static let graph = ComponentGraph(layers: 1, heads: 2, parallelResidual: false)

    /// A circuit of `graph` holding `edges` and their nodes, with every edge scored
    /// `sign · (slot + 1) / 100` and every node `sign · (index + 1)`, so A's and B's scores differ.
    static func circuit(_ edges: Set<String>, sign: Double = 1, graph: ComponentGraph = graph) -> Circuit {
        var circuit = Circuit(graph: graph, nodeScores: (0..<graph.sourceCount).map { sign * Double($0 + 1) },
                              edgeScores: (0..<graph.sourceCount * graph.destinationCount).map { sign * Double($0 + 1) / 100 })
        circuit.nodeIn = Array(repeating: false, count: graph.sourceCount + 1)
        circuit.edgeIn = Array(repeating: false, count: circuit.edgeIn.count)
        for (source, destination) in graph.edges where edges.contains(graph.edgeName(source, destination)) {
            circuit.edgeIn[graph.edgeSlot(source, destination)] = true
            circuit.nodeIn[graph.sourceIndex(source)] = true
            circuit.nodeIn[graph.nodeIndex(of: destination)] = true
        }
        return circuit
    }

    static let a = circuit(["input->a0.h0<v>", "a0.h0->logits", "a0.h0->m0", "m0->logits"])
    static let b = circuit(["input->a0.h0<v>", "a0.h0->logits", "input->a0.h1<q>", "a0.h1->logits"], sign: -1)

    @Test func handMadeCircuitsKeepAddAndRemove() throws {
        let diff = try CircuitDiff(Self.a, Self.b)
        #expect(diff.nodes.map { "\($0.change) \($0.name)" }
            == ["kept input", "kept a0.h0", "added a0.h1", "removed m0", "kept logits"])
        #expect(diff.edges.map { "\($0.change) \($0.name)" }
            == ["added input->a0.h1<q>", "kept input->a0.h0<v>", "removed a0.h0->m0",
                "kept a0.h0->logits", "added a0.h1->logits", "removed m0->logits"])
        // Input and logits, in every circuit, are not counted.
        #expect(diff.nodeCounts == CircuitDiff.Counts(kept: 1, added: 1, removed: 1))
        #expect(diff.edgeCounts == CircuitDiff.Counts(kept: 2, added: 2, removed: 2))
        #expect(diff.nodeCounts.jaccard == 1.0 / 3)
        #expect(diff.edgeCounts.jaccard == 2.0 / 6)
        // The same Jaccard indices as overlap by name (`circuitry compare`).
        let overlap = CircuitOverlap(Self.a, Self.b, k: 1)
        #expect(diff.nodeCounts.jaccard == overlap.nodeJaccard)
        #expect(diff.edgeCounts.jaccard == overlap.edgeJaccard)
    }

    @Test func everyMemberCarriesBothFullGraphScores() throws {
        let diff = try CircuitDiff(Self.a, Self.b)
        let graph = Self.graph
        // a0.h1 is added: B's circuit has it, and A's full graph still scored it.
        let added = try #require(diff.nodes.first { $0.name == "a0.h1" })
        #expect(added.scoreA == 3 && added.scoreB == -3)
        #expect(diff.nodes.last == CircuitDiff.Member(name: "logits", change: .kept, scoreA: nil, scoreB: nil))
        let slot = graph.edgeSlot(.mlp(layer: 0), .logits)
        let removed = try #require(diff.edges.first { $0.name == "m0->logits" })
        #expect(removed.scoreA == Double(slot + 1) / 100 && removed.scoreB == -Double(slot + 1) / 100)

        // A node method scores no edges: edges are compared as sets, with no scores.
        let nodesOnly = Circuit(graph: graph, nodeScores: Self.a.nodeScores, edgeScores: nil)
        var unscored = nodesOnly
        unscored.nodeIn = Self.a.nodeIn
        unscored.edgeIn = Self.a.edgeIn
        let mixed = try CircuitDiff(unscored, Self.b)
        #expect(mixed.edges.allSatisfy { $0.scoreA == nil && $0.scoreB != nil })
        #expect(mixed.edgeCounts == diff.edgeCounts)
    }

    @Test func identicalCircuitsOnlyKeep() throws {
        for circuit in [Self.a, Self.b, Circuit(graph: Self.graph, nodeScores: Self.a.nodeScores, edgeScores: nil)] {
            let diff = try CircuitDiff(circuit, circuit)
            #expect(diff.nodeCounts == CircuitDiff.Counts(kept: circuit.componentCount, added: 0, removed: 0))
            #expect(diff.edgeCounts == CircuitDiff.Counts(kept: circuit.edgeCount, added: 0, removed: 0))
            #expect(diff.nodeCounts.jaccard == 1 && diff.edgeCounts.jaccard == 1)
            #expect(diff.nodes.allSatisfy { $0.change == .kept } && diff.edges.allSatisfy { $0.change == .kept })
        }
        // Two empty circuits agree exactly, as `Overlap.jaccard` has it.
        let empty = Self.circuit([])
        let diff = try CircuitDiff(empty, empty)
        #expect(diff.nodes.isEmpty && diff.edgeCounts.union == 0 && diff.edgeCounts.jaccard == 1)
    }

    @Test func differentShapesAreRefusedWithAPointerToCompare() {
        let deeper = Self.circuit(["input->logits"], graph: ComponentGraph(layers: 2, heads: 2, parallelResidual: false))
        let parallel = Self.circuit(["input->logits"], graph: ComponentGraph(layers: 1, heads: 2, parallelResidual: true))
        for other in [deeper, parallel] {
            #expect { try CircuitDiff(Self.a, other) } throws: { error in
                let message = "\(error)"
                return message.hasPrefix("A is a 1-layer, 2-head, sequential-residual graph and B a ")
                    && message.contains("`circuitry compare`")
            }
        }
    }
}
