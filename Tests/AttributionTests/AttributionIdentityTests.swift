import Foundation
import Testing
@testable import Attribution
@testable import Models
import Tensors

/// Properties every attribution run must have, whatever the reference says.
@Suite("Attribution identities")
struct AttributionIdentityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func model(_ name: String) throws -> Transformer {
        try LoadedModel(directory: root.appendingPathComponent("fixtures/models/\(name)")).transformer
    }

    /// Two pairs of different lengths in one padded batch.
    static func batch() throws -> PairBatch {
        try PairBatch(clean: [[12, 40, 7, 99, 3], [5, 61, 200]], corrupted: [[12, 41, 7, 98, 3], [5, 62, 200]],
                      answers: [17, 33], foils: [21, 8])
    }

    /// A node's AtP score is the sum of its outgoing EAP edge scores: the output reaches
    /// every later reader of the residual stream and nothing else.
    @Test(arguments: ["gpt2", "neox-parallel", "neox-sequential", "llama-gqa"])
    func nodeScoresAreSumsOfOutgoingEdges(name: String) throws {
        let model = try Self.model(name)
        let batches = [try Self.batch()]
        let atp = try Attributor(model: model, method: .atp).run(batches)
        let eap = try Attributor(model: model, method: .eap).run(batches)
        let scale = atp.nodeScores.map(abs).max()!
        let worst = zip(atp.nodeScores, eap.nodeScores).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * scale, "\(name): max |atp − Σ eap| = \(worst), scale \(scale)")
        // EAP's runs start after the prompts' shared prefix (computed once, in a shorter batch) and
        // read keys per query head under GQA: the same metrics up to float rounding.
        #expect(abs(atp.cleanMetric - eap.cleanMetric) < 1e-5 && abs(atp.corruptedMetric - eap.corruptedMetric) < 1e-5)
    }
}

extension AttributionIdentityTests {
    /// Edge products grouped across layers (the default, one group on these small models) give
    /// the same edges as one product per layer, and EAP-IG's gradients summed over its steps
    /// before one product (the default) the same as a product per step: only the order of the
    /// float sums differs.
    @Test(arguments: ["gpt2", "neox-parallel", "llama-gqa"], [AttributionMethod.eap, .eapIG])
    func groupingLayersLeavesEdgesUnchanged(name: String, method: AttributionMethod) throws {
        let model = try Self.model(name)
        let batches = [try Self.batch()]
        let grouped = try Attributor(model: model, method: method).run(batches)
        var perLayer = Attributor(model: model, method: method)
        perLayer.edgeGroupBytes = 1
        perLayer.edgeSumBytes = 0
        let separate = try perLayer.run(batches)
        let (a, b) = (grouped.edgeScores!, separate.edgeScores!)
        let scale = a.map(abs).max()!
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(scale > 0 && worst <= 1e-6 * scale, "\(name) \(method): max |diff| \(worst), scale \(scale)")
    }
}

@Suite("Spearman")
struct SpearmanTests {
    @Test func knownValues() {
        #expect(spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        #expect(ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
        // Hand-computed: ranks [1,2,3,4,5] vs [2,1,4,3,5]: 1 − 6·Σd²/(n(n²−1)) = 1 − 6·4/120 = 0.8.
        #expect(abs(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12)
        #expect(spearman([1, 1, 1], [1, 2, 3]).isNaN)
    }
}
