import Attribution
import Testing
@testable import Circuits

@Suite("Pruning")
struct PruningTests {
    static let graphs = [ComponentGraph(layers: 3, heads: 4, parallelResidual: false),
                         ComponentGraph(layers: 2, heads: 3, parallelResidual: true)]

    /// Scores from a fixed-seed generator, with mixed signs: every real edge scored, nodes the sum of their out-edges.
    static func scored(_ graph: ComponentGraph, seed: UInt64) -> Circuit {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state >> 11) % 2001) / 1000 - 1
        }
        let mask = graph.edgeMask
        let edges = mask.map { $0 ? next() * next() : 0 }
        let columns = graph.destinationCount
        let nodes = (0..<graph.sourceCount).map { s in edges[(s * columns)..<((s + 1) * columns)].reduce(0, +) }
        return Circuit(graph: graph, nodeScores: nodes, edgeScores: edges)
    }

    /// Every component and edge left lies on a path from input to logits, and every edge joins two nodes in.
    static func expectNoDangling(_ circuit: Circuit, _ label: String) {
        var again = circuit
        again.dropDangling()
        #expect(again == circuit, "\(label): dangling parts survived")
        let columns = circuit.graph.destinationCount
        for slot in circuit.edgeIn.indices where circuit.edgeIn[slot] {
            let destination = circuit.graph.destinations[slot % columns]
            #expect(circuit.nodeIn[slot / columns] && circuit.nodeIn[circuit.graph.nodeIndex(of: destination)], "\(label): edge without its nodes")
            #expect(circuit.graph.edgeMask[slot], "\(label): a slot that is not an edge is in")
        }
    }

    @Test(arguments: graphs)
    func topNodesKeepsExactlyKLargest(graph: ComponentGraph) throws {
        let full = Self.scored(graph, seed: 1)
        let components = graph.sourceCount - 1
        for k in [0, 1, 5, components] {
            let result = try full.pruned(.topNodes(k))
            #expect(result.circuit.componentCount == k)
            #expect(result.shortfall == nil && result.droppedNodes == 0)
            let kept = Set((1..<graph.sourceCount).filter { result.circuit.nodeIn[$0] })
            let smallestKept = kept.map { abs(full.nodeScores[$0]) }.min() ?? .infinity
            let largestLeft = (1..<graph.sourceCount).filter { !kept.contains($0) }.map { abs(full.nodeScores[$0]) }.max() ?? 0
            #expect(smallestKept >= largestLeft, "k=\(k): a smaller node kept over a larger one")
            Self.expectNoDangling(result.circuit, "top-nodes \(k)")
        }
        let tooMany = try full.pruned(.topNodes(components + 3))
        #expect(tooMany.circuit.componentCount == components)
        #expect(tooMany.shortfall?.contains("only \(components)") == true)
    }

    @Test(arguments: graphs)
    func cumulativeReachesTheShareWithFewestComponents(graph: ComponentGraph) throws {
        let full = Self.scored(graph, seed: 2)
        let total = full.nodeScores.dropFirst().map(abs).reduce(0, +)
        for share in [0.1, 0.5, 0.9, 1.0] {
            let circuit = try full.pruned(.cumulative(share)).circuit
            let kept = (1..<graph.sourceCount).filter { circuit.nodeIn[$0] }
            let held = kept.map { abs(full.nodeScores[$0]) }.reduce(0, +)
            #expect(held >= share * total * (1 - 1e-12), "share \(share): held \(held / total)")
            // Fewest: the best k−1 components (the largest magnitudes) fall short.
            let best = full.nodeScores.dropFirst().map(abs).sorted(by: >).prefix(kept.count - 1).reduce(0, +)
            #expect(best < share * total, "share \(share): \(kept.count - 1) components would do")
        }
    }

    @Test(arguments: graphs)
    func topEdgesDropsDanglingAndSaysSo(graph: ComponentGraph) throws {
        let full = Self.scored(graph, seed: 3)
        var sawDrop = false
        for n in [1, 4, 10, 40, graph.edges.count] {
            let result = try full.pruned(.topEdges(n))
            #expect(result.circuit.edgeCount + result.droppedEdges == n)
            sawDrop = sawDrop || result.droppedEdges > 0
            Self.expectNoDangling(result.circuit, "top-edges \(n)")
        }
        #expect(sawDrop, "no example exercised dangling removal")
        #expect(try full.pruned(.topEdges(graph.edges.count)).circuit == full)
    }

    @Test(arguments: graphs)
    func greedyGrowsFromTheLogits(graph: ComponentGraph) throws {
        let full = Self.scored(graph, seed: 4)
        for n in [1, 6, 30] {
            let result = try full.pruned(.greedy(n))
            // Every chosen edge ends in a node reached from the logits, so nothing reads no further.
            #expect(result.circuit.edgeCount + result.droppedEdges == n)
            Self.expectNoDangling(result.circuit, "greedy \(n)")
        }
        // The first edge is the largest-|score| edge into the logits.
        let logits = graph.destinationIndex(.logits)
        let best = (0..<graph.sourceCount).max { abs(full.edgeScores![$0 * graph.destinationCount + logits]) < abs(full.edgeScores![$1 * graph.destinationCount + logits]) }!
        #expect(full.greedyEdges(count: 1) == [best * graph.destinationCount + logits])
        // Its source has no edge in yet, so a one-edge greedy circuit is dangling unless it starts at input.
        let one = try full.pruned(.greedy(1))
        #expect(one.droppedEdges == (best == 0 ? 0 : 1))
    }

    @Test func danglingRemovalOnAHandMadeCircuit() {
        // 1 layer, 1 head, sequential: input → a0.h0<q> and a0.h0 → nothing; m0 → logits without input.
        let graph = ComponentGraph(layers: 1, heads: 1, parallelResidual: false)
        var circuit = Circuit.empty(graph)
        let columns = graph.destinationCount
        func edge(_ s: ComponentGraph.Source, _ d: ComponentGraph.Destination) -> Int { graph.sourceIndex(s) * columns + graph.destinationIndex(d) }
        for slot in [edge(.input, .head(layer: 0, head: 0, .q)), edge(.mlp(layer: 0), .logits), edge(.input, .logits)] {
            circuit.edgeIn[slot] = true
        }
        circuit.nodeIn = [true, true, true, true]
        circuit.dropDangling()
        #expect(circuit.nodeNames == ["input", "logits"])
        #expect(circuit.edgeCount == 1 && circuit.edgeIn[edge(.input, .logits)])
    }

    @Test func nodeScoredGraphsRefuseEdgeRules() {
        let graph = ComponentGraph(layers: 1, heads: 2, parallelResidual: false)
        let circuit = Circuit(graph: graph, nodeScores: [1, 2, 3, 4], edgeScores: nil)
        #expect(throws: PruningError.self) { try circuit.pruned(.topEdges(3), method: "atp") }
        #expect(throws: PruningError.self) { try circuit.pruned(.cumulative(1.5)) }
    }
}

@Suite("Concentration")
struct ConcentrationTests {
    @Test func handComputedCurve() {
        let c = Concentration(scores: [1, -3, 0, 6])
        #expect(c.total == 10)
        #expect(c.curve == [0.6, 0.9, 1.0, 1.0])
        #expect(c.smallestK(reaching: 0.9) == 2)
        #expect(c.smallestK(reaching: 0.95) == 3)
        #expect(c.share(top: 0) == 0 && c.share(top: 99) == 1)
        #expect(Concentration(scores: [0, 0]).smallestK() == nil)
    }
}
