import Attribution
import Testing
@testable import Circuits

@Suite struct OverlapTests {
    @Test func jaccardOfHandComputedSets() {
        #expect(Overlap.jaccard(["a", "b", "c"], ["b", "c", "d"]) == 0.5)
        #expect(Overlap.jaccard(["a"], ["a", "b", "c"]) == 1.0 / 3)
        #expect(Overlap.jaccard(["a"], ["b"]) == 0)
        #expect(Overlap.jaccard([], []) == 1, "two empty circuits agree exactly")
        #expect(Overlap.jaccard([], ["a"]) == 0)
    }

    @Test func weightedJaccardOfHandComputedWeights() {
        // min: 0.2 + 0.3 + 0 = 0.5; max: 0.5 + 0.6 + 0.1 = 1.2.
        #expect(abs(Overlap.weightedJaccard(["x": 0.2, "y": -0.6], ["x": 0.5, "y": 0.3, "z": -0.1]) - 5.0 / 12) < 1e-15)
        // Signs do not matter, only magnitudes: min 0 + 1 + 3 + 0, max 1 + 2 + 3 + 2.
        #expect(Overlap.weightedJaccard(["x": 1, "y": -2, "z": 3], ["y": 1, "z": -3, "w": 2]) == 0.5)
        #expect(Overlap.weightedJaccard([:], [:]) == 1)
        #expect(Overlap.weightedJaccard(["x": 0], ["y": 0]) == 1, "two all-zero weight vectors are equal")
        #expect(Overlap.weightedJaccard(["x": 1], [:]) == 0)
    }

    @Test func weightedJaccardWithEqualWeightsIsJaccard() {
        let a: Set = ["a", "b", "c", "e"], b: Set = ["b", "c", "d"]
        let weightsA = Dictionary(uniqueKeysWithValues: a.map { ($0, 0.7) })
        let weightsB = Dictionary(uniqueKeysWithValues: b.map { ($0, -0.7) })
        #expect(abs(Overlap.weightedJaccard(weightsA, weightsB) - Overlap.jaccard(a, b)) < 1e-15)
    }

    @Test func topKRanksByMagnitudeAndBreaksTiesByName() {
        let a = ["p": 5.0, "q": -4, "r": 3, "s": 1], b = ["p": 1.0, "q": 6, "r": -5, "s": 4]
        #expect(Overlap.topK(a, k: 2) == ["p", "q"])
        #expect(Overlap.topK(b, k: 2) == ["q", "r"])
        #expect(Overlap.topKOverlap(a, b, k: 2) == 0.5)
        #expect(Overlap.topKOverlap(a, b, k: 3) == 2.0 / 3)
        #expect(Overlap.topK(["c": 1, "a": -1, "b": 1], k: 2) == ["a", "b"])
        #expect(Overlap.topK(["x": .nan, "y": 0, "z": -2], k: 3) == ["z", "y", "x"])
        // Many names, small k: the one-pass selection agrees with a full sort.
        var scores: [String: Double] = [:]
        for i in 0..<500 { scores["e\(i)"] = Double((i * 37) % 101) - 50 }
        let sorted = scores.sorted { abs($0.value) != abs($1.value) ? abs($0.value) > abs($1.value) : $0.key < $1.key }
        #expect(Overlap.topK(scores, k: 28) == sorted.prefix(28).map(\.key))
    }

    @Test func topKShrinksToTheSmallerMap() {
        #expect(Overlap.topKOverlap(["a": 1, "b": 2], ["a": 3, "b": 1, "c": 9], k: 10) == 0.5)
        #expect(Overlap.topKOverlap(["a": 1], ["a": 3], k: 10) == 1)
        #expect(Overlap.topKOverlap([:], [:], k: 3) == 1)
        #expect(Overlap.topKOverlap([:], ["a": 1], k: 3) == 0)
    }

    @Test func memberWeightsIgnoreScoresOutsideTheCircuit() {
        let a = NamedCircuit(layers: 1, heads: 2, nodeScores: ["input": 1, "a0.h0": 2, "a0.h1": 4, "m0": 8],
                             nodes: ["input", "a0.h0", "logits"])
        let b = NamedCircuit(layers: 1, heads: 2, nodeScores: ["input": -1, "a0.h0": 1, "a0.h1": 4, "m0": 8],
                             nodes: ["input", "a0.h0", "a0.h1", "logits"])
        let overlap = CircuitOverlap(a, b, k: 2)
        // Heads and MLPs only: {a0.h0} against {a0.h0, a0.h1}.
        #expect(overlap.nodeJaccard == 0.5)
        // a's a0.h1 is out, so it weighs 0 there although its score is 4; input and logits are not counted.
        // min: 1 + 0 = 1, max: 2 + 4 = 6.
        #expect(overlap.nodeWeightedJaccard == 1.0 / 6)
        // Rankings use every scored head and MLP: m0 and a0.h1 lead both.
        #expect(overlap.nodeTopK == 1)
        #expect(overlap.edgeJaccard == nil && overlap.edgeTopK == nil, "node-only circuits have no edge statistics")
    }

    @Test func slotCircuitsCompareThroughTheirNames() {
        let graph = ComponentGraph(layers: 1, heads: 2, parallelResidual: false)
        let edgeScores = (0..<(graph.sourceCount * graph.destinationCount)).map { Double($0 % 7) - 3 }
        let full = Circuit(graph: graph, nodeScores: [0.5, -1, 2, 0.25], edgeScores: edgeScores)
        var pruned = full
        pruned.nodeIn[graph.sourceIndex(.head(layer: 0, head: 0))] = false
        for (source, destination) in graph.edges where source == .head(layer: 0, head: 0) {
            pruned.edgeIn[graph.sourceIndex(source) * graph.destinationCount + graph.destinationIndex(destination)] = false
        }
        let named = pruned.named
        #expect(named.nodes == ["input", "a0.h1", "m0", "logits"])
        #expect(named.nodeScores == ["input": 0.5, "a0.h0": -1, "a0.h1": 2, "m0": 0.25])
        #expect(named.edgeScores.count == graph.edges.count)
        #expect(named.edgeScores["a0.h0->m0"] == edgeScores[graph.sourceIndex(.head(layer: 0, head: 0)) * graph.destinationCount
                + graph.destinationIndex(.mlp(layer: 0))])
        #expect(!named.edges.contains("a0.h0->logits") && named.edges.contains("a0.h1->logits"))
        #expect(named.componentCount == 2)
        // Full graph: 3 heads/MLPs; pruned: 2 of them. Edges: the two from a0.h0 (to m0 and logits) are out.
        let overlap = CircuitOverlap(full, pruned, k: 1)
        #expect(overlap.nodeJaccard == 2.0 / 3)
        #expect(overlap.edgeJaccard == Double(graph.edges.count - 2) / Double(graph.edges.count))
    }
}
