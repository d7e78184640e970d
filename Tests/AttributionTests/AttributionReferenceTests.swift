import Foundation
import Testing
@testable import Attribution
@testable import Models

/// Attribution scores against PyTorch: fixtures/attribution/<model>/, made by
/// tools/make_attribution_fixtures.py (an explicit float64 torch forward with per-head
/// q/k/v input copies, forward hooks and autograd; not circuitry's code). Pairs of
/// mixed lengths run as one padded batch. Max error under 1e-4 of the largest |score|.
@Suite("Attribution vs PyTorch")
struct AttributionReferenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = ["gpt2", "neox-parallel", "neox-sequential", "llama-gqa"]

    struct Reference: Decodable {
        let metrics: [String: Double]
        let atp_nodes: [String: Double]
        let exact_nodes: [String: Double]
        let eap_edges: [String: Double]
        let eap_ig_edges: [String: Double]
        let eap_ig_nodes: [String: Double]
        let spearman_atp_exact: Double
    }

    /// The model, all its fixture pairs in one padded batch, and the reference scores.
    static func load(_ name: String) throws -> (Transformer, PairBatch, Reference) {
        let folder = root.appendingPathComponent("fixtures/attribution/\(name)")
        let loaded = try LoadedModel(directory: root.appendingPathComponent("fixtures/models/\(name)"))
        let pairs = try PairSet(contentsOf: folder.appendingPathComponent("pairs.jsonl"), tokenizer: loaded.tokenizer)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        return (loaded.transformer, try #require(pairs.batches(size: pairs.count).first), reference)
    }

    /// Compares named scores; every reference name must be present.
    static func compare(_ actual: [String: Double], _ expected: [String: Double], _ label: String) {
        #expect(Set(actual.keys) == Set(expected.keys), "\(label): names differ")
        let scale = expected.values.map(abs).max() ?? 1
        var worst = 0.0, worstName = ""
        for (name, value) in expected {
            let difference = abs((actual[name] ?? .nan) - value)
            if !(difference <= worst) { worst = difference; worstName = name }
        }
        #expect(worst <= 1e-4 * scale, "\(label): max |diff| \(worst) at \(worstName), largest |score| \(scale)")
    }

    static func nodeScores(_ scores: AttributionScores) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: scores.graph.sources.map { ($0.name, scores.nodeScore($0)) })
    }

    static func edgeScores(_ scores: AttributionScores) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: scores.graph.edges.map { (scores.graph.edgeName($0.source, $0.destination), scores.edgeScore($0.source, $0.destination)!) })
    }

    @Test(arguments: models)
    func nodeMethods(name: String) throws {
        let (model, batch, reference) = try Self.load(name)
        let atp = try Attributor(model: model, method: .atp).run([batch])
        #expect(abs(atp.cleanMetric - reference.metrics["clean"]!) < 1e-5, "\(name) clean metric \(atp.cleanMetric)")
        #expect(abs(atp.corruptedMetric - reference.metrics["corrupted"]!) < 1e-5, "\(name) corrupted metric")
        Self.compare(Self.nodeScores(atp), reference.atp_nodes, "\(name) atp")
        let exact = try Attributor(model: model, method: .exact).run([batch])
        Self.compare(Self.nodeScores(exact), reference.exact_nodes, "\(name) exact")
        let rho = spearman(atp.nodeScores, exact.nodeScores)
        #expect(abs(rho - reference.spearman_atp_exact) < 1e-6, "\(name): Spearman(atp, exact) \(rho) vs \(reference.spearman_atp_exact)")
        print("\(name): Spearman(atp, exact) = \(rho)")
    }

    @Test(arguments: models)
    func edgeMethods(name: String) throws {
        let (model, batch, reference) = try Self.load(name)
        let eap = try Attributor(model: model, method: .eap).run([batch])
        Self.compare(Self.edgeScores(eap), reference.eap_edges, "\(name) eap edges")
        Self.compare(Self.nodeScores(eap), reference.atp_nodes, "\(name) eap nodes = atp")
        let ig = try Attributor(model: model, method: .eapIG, igSteps: 5).run([batch])
        Self.compare(Self.edgeScores(ig), reference.eap_ig_edges, "\(name) eap-ig edges")
        Self.compare(Self.nodeScores(ig), reference.eap_ig_nodes, "\(name) eap-ig nodes")
    }

    /// Splitting the pairs over several batches gives the same means.
    @Test func batchingDoesNotChangeScores() throws {
        let (model, whole, _) = try Self.load("gpt2")
        func part(_ range: Range<Int>) throws -> PairBatch {
            try PairBatch(clean: range.map { whole.clean.sequence($0) }, corrupted: range.map { whole.corrupted.sequence($0) },
                          answers: Array(whole.answerIds[range]), foils: Array(whole.foilIds[range]))
        }
        let one = try Attributor(model: model, method: .eap).run([whole])
        let three = try Attributor(model: model, method: .eap).run([part(0..<2), part(2..<5), part(5..<7)])
        let worst = zip(one.edgeScores!, three.edgeScores!).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "max |diff| \(worst)")
        #expect(three.pairCount == 7)
    }
}
