import Foundation
import Testing
@testable import Circuits

@Suite struct SymmetricEigenvaluesTests {
    func expectClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-13,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected.sorted()) {
            #expect(abs(a - e) <= tolerance, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func knownSmallMatrices() {
        expectClose(SymmetricEigenvalues.of([2, 1, 1, 2], size: 2), [1, 3])
        expectClose(SymmetricEigenvalues.of([3, 0, 0, 0, -1, 0, 0, 0, 2], size: 3), [-1, 2, 3])
        // The second-difference matrix: 2 − 2cos(kπ/4), k = 1…3.
        expectClose(SymmetricEigenvalues.of([2, -1, 0, -1, 2, -1, 0, -1, 2], size: 3), [2 - 2.0.squareRoot(), 2, 2 + 2.0.squareRoot()])
        expectClose(SymmetricEigenvalues.of([7], size: 1), [7])
        expectClose(SymmetricEigenvalues.of([], size: 0), [])
        expectClose(SymmetricEigenvalues.of([0, 0, 0, 0], size: 2), [0, 0])
    }

    @Test func secondDifferenceMatrixOfSize20() {
        let n = 20
        var a = Array(repeating: 0.0, count: n * n)
        for i in 0..<n {
            a[i * n + i] = 2
            if i > 0 { a[i * n + i - 1] = -1; a[(i - 1) * n + i] = -1 }
        }
        let expected = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }
        expectClose(SymmetricEigenvalues.of(a, size: n), expected)
    }

    @Test func randomMatrixKeepsItsTraceInvariants() {
        // A dense symmetric matrix with repeated structure: the power sums Σλ, Σλ², Σλ³ equal
        // tr A, tr A², tr A³, which pins down the spectrum of a 3-parameter family and checks
        // every eigenvalue of a general one.
        var generator = SplitMix(seed: 7)
        let n = 9
        var a = Array(repeating: 0.0, count: n * n)
        for i in 0..<n { for j in i..<n { let x = generator.next() * 2 - 1; a[i * n + j] = x; a[j * n + i] = x } }
        func multiply(_ x: [Double], _ y: [Double]) -> [Double] {
            (0..<(n * n)).map { index in (0..<n).reduce(0) { $0 + x[index / n * n + $1] * y[$1 * n + index % n] } }
        }
        func trace(_ x: [Double]) -> Double { (0..<n).reduce(0) { $0 + x[$1 * n + $1] } }
        let a2 = multiply(a, a), a3 = multiply(a2, a)
        let values = SymmetricEigenvalues.of(a, size: n)
        #expect(abs(values.reduce(0, +) - trace(a)) < 1e-12)
        #expect(abs(values.reduce(0) { $0 + $1 * $1 } - trace(a2)) < 1e-12)
        #expect(abs(values.reduce(0) { $0 + $1 * $1 * $1 } - trace(a3)) < 1e-12)
        #expect(values == values.sorted())
    }
}

@Suite struct LaplacianSpectrumTests {
    func ring(_ n: Int, prefix: String = "v") -> [(String, String, weight: Double)] {
        (0..<n).map { ("\(prefix)\($0)", "\(prefix)\(($0 + 1) % n)", weight: 1) }
    }

    func expectSpectrum(_ spectrum: LaplacianSpectrum, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(spectrum.eigenvalues.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(spectrum.eigenvalues, expected.sorted()) {
            #expect(abs(a - e) < 1e-13, "\(spectrum.eigenvalues) vs \(expected.sorted())", sourceLocation: sourceLocation)
        }
    }

    @Test func knownGraphs() {
        // A single edge: 0 and 2 (bipartite graphs have 2 in their spectrum).
        expectSpectrum(LaplacianSpectrum(nodes: [], edges: [("a", "b", weight: 0.3)]), [0, 2])
        // Complete graph K4: 0 once, n/(n−1) three times.
        let k4 = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")].map { ($0.0, $0.1, weight: 1.0) }
        expectSpectrum(LaplacianSpectrum(nodes: [], edges: k4), [0, 4.0 / 3, 4.0 / 3, 4.0 / 3])
        // Star K1,3: 0, 1, 1, 2.
        let star = ["b", "c", "d"].map { ("a", $0, weight: 1.0) }
        expectSpectrum(LaplacianSpectrum(nodes: [], edges: star), [0, 1, 1, 2])
        // Cycle C5: 1 − cos(2πk/5).
        expectSpectrum(LaplacianSpectrum(nodes: [], edges: ring(5)), (0..<5).map { 1 - cos(2 * Double.pi * Double($0) / 5) })
    }

    @Test func isolatedNodesAddZeros() {
        expectSpectrum(LaplacianSpectrum(nodes: ["a", "b", "lonely"], edges: [("a", "b", weight: 1)]), [0, 0, 2])
        expectSpectrum(LaplacianSpectrum(nodes: ["x", "y"], edges: []), [0, 0])
        // A zero-score edge connects nothing.
        expectSpectrum(LaplacianSpectrum(nodes: [], edges: [("a", "b", weight: 0)]), [0, 0])
    }

    @Test func weightsAreUndirectedMagnitudesThatAddUp() {
        // Triangle with b–c weight 3, given as two parallel edges in both directions, one negative…
        let split = LaplacianSpectrum(nodes: [], edges: [("a", "b", weight: 1), ("c", "b", weight: -1), ("b", "c", weight: 2),
                                                         ("c", "a", weight: 1)])
        // …is the triangle with weights 1, 3, 1 (here at twice the scale, which changes nothing).
        let whole = LaplacianSpectrum(nodes: [], edges: [("a", "b", weight: 2), ("b", "c", weight: 6), ("a", "c", weight: 2)])
        expectSpectrum(split, whole.eigenvalues)
        // Degrees 2, 4, 4: L = I − [[0, 1/√8, 1/√8], [1/√8, 0, 3/4], [1/√8, 3/4, 0]]; the antisymmetric
        // vector (0, 1, −1) gives 1 + 3/4, trace 3 and one zero give the last: 3 − 7/4 = 5/4.
        expectSpectrum(whole, [0, 5.0 / 4, 7.0 / 4])
    }

    @Test func circuitGraphMergesAHeadsInputs() {
        let circuit = NamedCircuit(
            layers: 1, heads: 1, nodeScores: ["input": 1, "a0.h0": 1, "m0": 1],
            edgeScores: ["input->a0.h0<q>": 0.5, "input->a0.h0<k>": -0.5, "input->m0": 1, "a0.h0->m0": 1,
                         "m0->logits": 2, "a0.h0->logits": 0.1],
            nodes: ["input", "a0.h0", "m0", "logits"],
            edges: ["input->a0.h0<q>", "input->a0.h0<k>", "input->m0", "a0.h0->m0", "m0->logits"])
        // Triangle input–a0.h0–m0 with unit weights plus pendant logits (weight 2) on m0:
        // the same graph written with explicit weights.
        let explicit = LaplacianSpectrum(nodes: [], edges: [("input", "a0.h0", weight: 1), ("input", "m0", weight: 1),
                                                            ("a0.h0", "m0", weight: 1), ("m0", "logits", weight: 2)])
        expectSpectrum(LaplacianSpectrum(circuit), explicit.eigenvalues)
    }
}

@Suite struct SpectralSimilarityTests {
    /// A connected random weighted graph on `n` nodes named by `name`.
    func randomGraph(_ n: Int, seed: UInt64, name: (Int) -> String) -> [(String, String, weight: Double)] {
        var generator = SplitMix(seed: seed)
        var edges: [(String, String, weight: Double)] = []
        for i in 1..<n { edges.append((name(i), name(Int(generator.next() * Double(i))), weight: generator.next() + 0.1)) }
        for _ in 0..<n {
            let i = Int(generator.next() * Double(n)), j = Int(generator.next() * Double(n))
            edges.append((name(i), name(j), weight: generator.next()))
        }
        return edges
    }

    @Test func relabelledGraphIsSimilarOne() {
        let n = 24
        // A permutation that scrambles sorted order, so the Laplacian is built with permuted rows.
        let permutation = (0..<n).map { ($0 * 7 + 3) % n }
        let original = LaplacianSpectrum(nodes: [], edges: randomGraph(n, seed: 1) { "n\($0)" })
        let relabelled = LaplacianSpectrum(nodes: [], edges: randomGraph(n, seed: 1) { "z\(permutation[$0])" })
        #expect(original.eigenvalues.count == n)
        #expect(abs(SpectralSimilarity.similarity(original, relabelled) - 1) <= 1e-12)
        let different = LaplacianSpectrum(nodes: [], edges: randomGraph(n, seed: 2) { "n\($0)" })
        #expect(SpectralSimilarity.similarity(original, different) < 1 - 1e-6)
    }

    @Test func relabelledCircuitIsSimilarOne() {
        let a = NamedCircuit(layers: 2, heads: 2, nodeScores: [:],
                             edgeScores: ["input->a0.h1<v>": 0.4, "a0.h1->m1": -0.2, "input->m1": 0.7, "m1->logits": 1.1,
                                          "a0.h1->logits": 0.3],
                             nodes: ["input", "a0.h1", "m1", "logits", "a1.h0"],
                             edges: ["input->a0.h1<v>", "a0.h1->m1", "input->m1", "m1->logits", "a0.h1->logits"])
        // The same graph on other components (heads and layers renamed), at 10× the score scale.
        let b = NamedCircuit(layers: 2, heads: 2, nodeScores: [:],
                             edgeScores: ["input->a1.h0<q>": 4, "a1.h0->m0": 2, "input->m0": -7, "m0->logits": 11,
                                          "a1.h0->logits": 3],
                             nodes: ["input", "a1.h0", "m0", "logits", "a0.h0"],
                             edges: ["input->a1.h0<q>", "a1.h0->m0", "input->m0", "m0->logits", "a1.h0->logits"])
        #expect(abs(SpectralSimilarity.similarity(a, b) - 1) <= 1e-12)
        var c = b
        c.edges.remove("a1.h0->logits")
        #expect(SpectralSimilarity.similarity(a, c) < 1)
    }

    @Test func handComputedDistance() {
        // Single edge {0, 2} against star K1,3 {0, 1, 1, 2}: the quantile functions differ by 1
        // on [1/4, 3/4], so W1 = 1/2 and the similarity is 1 − 1/4.
        let edge = LaplacianSpectrum(nodes: [], edges: [("a", "b", weight: 1)])
        let star = LaplacianSpectrum(nodes: [], edges: ["b", "c", "d"].map { ("a", $0, weight: 1.0) })
        #expect(abs(SpectralSimilarity.similarity(edge, star) - 0.75) < 1e-15)
        #expect(SpectralSimilarity.similarity(edge, star) == SpectralSimilarity.similarity(star, edge))
        // All mass at 0 against all mass at 2: as far apart as spectra get.
        #expect(SpectralSimilarity.similarity(LaplacianSpectrum(eigenvalues: [0, 0]), LaplacianSpectrum(eigenvalues: [2])) == 0)
        #expect(SpectralSimilarity.similarity(LaplacianSpectrum(eigenvalues: []), LaplacianSpectrum(eigenvalues: [])) == 1)
        #expect(SpectralSimilarity.similarity(LaplacianSpectrum(eigenvalues: []), LaplacianSpectrum(eigenvalues: [1])) == 0)
    }

    @Test func sizeFree() {
        // Two disjoint copies of a ring have the ring's spectrum twice: the same distribution.
        let ring = (0..<6).map { ("v\($0)", "v\(($0 + 1) % 6)", weight: 1.0) }
        let twice = ring + ring.map { ("w" + $0.0.dropFirst(), "w" + $0.1.dropFirst(), weight: 1.0) }
        let similarity = SpectralSimilarity.similarity(LaplacianSpectrum(nodes: [], edges: ring),
                                                       LaplacianSpectrum(nodes: [], edges: twice))
        #expect(abs(similarity - 1) <= 1e-12)
    }
}

/// A small deterministic generator for test matrices and graphs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
