import Testing
@testable import Circuits

@Suite struct LayerAlignmentTests {
    @Test func relativeDepthRule() {
        let alignment = LayerAlignment(layersA: 12, headsA: 12, layersB: 6, headsB: 12)
        // round(l·5/11): 0, 0.45, 0.91, 1.36, 1.82, 2.27, 2.73, 3.18, 3.64, 4.09, 4.55, 5.
        #expect((0..<12).map { alignment.align(layer: $0, of: 12) } == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        #expect((0..<6).map { alignment.align(layer: $0, of: 6) } == [0, 1, 2, 3, 4, 5], "the shallower model is the frame")
        #expect(alignment.layerRule.contains("round(l·(6−1)/(12−1))"))
        // Halves round up: round(l·2/4) for 5 → 3 layers.
        let halves = LayerAlignment(layersA: 3, headsA: 4, layersB: 5, headsB: 4)
        #expect((0..<5).map { halves.align(layer: $0, of: 5) } == [0, 1, 1, 2, 2])
        let single = LayerAlignment(layersA: 1, headsA: 4, layersB: 4, headsB: 4)
        #expect((0..<4).map { single.align(layer: $0, of: 4) } == [0, 0, 0, 0])
    }

    @Test func headsMatchByIndexOnlyWhenCountsMatch() {
        let same = LayerAlignment(layersA: 4, headsA: 8, layersB: 2, headsB: 8)
        #expect(same.align(.head(layer: 3, head: 5), fromA: true) == "a1.h5")
        #expect(same.align(.mlp(layer: 2), fromA: true) == "m1")
        #expect(same.align(.input, fromA: false) == "input")
        let different = LayerAlignment(layersA: 4, headsA: 8, layersB: 2, headsB: 4)
        #expect(different.align(.head(layer: 3, head: 5), fromA: true) == "a1.h*")
        #expect(different.align(.head(layer: 0, head: 2), fromA: false) == "a0.h*")
        #expect(different.headRule.contains("layer level"))
    }
}

@Suite struct CrossModelComparisonTests {
    @Test func componentOverlapAfterAlignment() throws {
        let small = NamedCircuit(layers: 2, heads: 2, nodeScores: [:], nodes: ["input", "a0.h1", "m1", "a1.h0", "logits"])
        // 4 layers → 2: layers 0, 1 → 0 and 2, 3 → 1.
        let large = NamedCircuit(layers: 4, heads: 2, nodeScores: [:], nodes: ["input", "a0.h1", "a3.h0", "m2", "m1", "logits"])
        let comparison = try CrossModelComparison(small, large, k: 3)
        #expect(comparison.shared == ["a0.h1", "a1.h0", "m1"])
        #expect(comparison.onlyA == [] && comparison.onlyB == ["m0"])
        #expect(comparison.componentJaccard == 0.75)
        #expect(comparison.sameShapeOverlap == nil && comparison.spectralSimilarity == nil)
    }

    @Test func differentHeadCountsCompareLayers() throws {
        let a = NamedCircuit(layers: 2, heads: 2, nodeScores: [:], nodes: ["a0.h1", "a1.h0", "a1.h1"])
        let b = NamedCircuit(layers: 2, heads: 3, nodeScores: [:], nodes: ["a0.h2", "m0"])
        let comparison = try CrossModelComparison(a, b, k: 3)
        #expect(comparison.shared == ["a0.h*"] && comparison.onlyA == ["a1.h*"] && comparison.onlyB == ["m0"])
        #expect(comparison.componentJaccard == 1.0 / 3)
    }

    @Test func sameShapeAddsPlainOverlapAndSpectra() throws {
        let a = edgeCircuit([(0, 1), (1, 2), (2, 3)])
        let b = edgeCircuit([(0, 1), (1, 2), (2, 4)])
        // Names n0… are not components: only the plain overlap sees them.
        let comparison = try? CrossModelComparison(a, b, k: 2)
        #expect(comparison == nil, "n0 is not a node name the alignment can place")
        let x = NamedCircuit(layers: 1, heads: 1, nodeScores: ["input": 1, "a0.h0": 2, "m0": 3],
                             edgeScores: ["input->a0.h0<q>": 1, "a0.h0->m0": 2, "input->m0": 3, "m0->logits": 1],
                             nodes: ["input", "a0.h0", "m0", "logits"], edges: ["input->a0.h0<q>", "a0.h0->m0", "m0->logits"])
        var y = x
        y.nodes.remove("a0.h0")
        y.edges = ["input->m0", "m0->logits"]
        let same = try CrossModelComparison(x, y, k: 2)
        #expect(same.sameShapeOverlap?.nodeJaccard == 0.5)
        #expect(same.sameShapeOverlap?.edgeJaccard == 0.25)
        #expect(same.componentJaccard == 0.5)
        #expect(same.spectralSimilarity! < 1)
        #expect(try CrossModelComparison(x, x, k: 2).spectralSimilarity == 1)
    }

    @Test func namesOutsideTheModelAreErrors() {
        let a = NamedCircuit(layers: 2, heads: 2, nodeScores: [:], nodes: ["a2.h0"])
        let b = NamedCircuit(layers: 2, heads: 2, nodeScores: [:], nodes: ["a1.h2"])
        let c = NamedCircuit(layers: 2, heads: 2, nodeScores: [:], nodes: ["attn0"])
        #expect(throws: CircuitNameError(name: "a2.h0", reason: "names layer 2 of a 2-layer model")) { try CrossModelComparison(a, a, k: 1) }
        #expect(throws: CircuitNameError(name: "a1.h2", reason: "names head 2 of a 2-head model")) { try CrossModelComparison(b, b, k: 1) }
        #expect((try? CrossModelComparison(c, c, k: 1)) == nil)
    }

    @Test func nodeNamesParse() {
        #expect(NodeName("a12.h3") == .head(layer: 12, head: 3))
        #expect(NodeName("m0") == .mlp(layer: 0))
        #expect(NodeName("input") == .input && NodeName("logits") == .logits)
        for bad in ["a1", "a1.h", "a01.h2", "m", "m-1", "a1.h2.x", "mlp0", "h1"] { #expect(NodeName(bad) == nil, "\(bad)") }
        #expect(NodeName("a3.h1")?.description == "a3.h1")
        let edge = EdgeName("a0.h1->a2.h3<k>")
        #expect(edge?.source == "a0.h1" && edge?.destination == "a2.h3" && edge?.role == "k")
        #expect(EdgeName("m0->logits")?.role == nil)
        #expect(EdgeName("m0-logits") == nil && EdgeName("m0->a1.h0<x>") == nil)
    }
}
