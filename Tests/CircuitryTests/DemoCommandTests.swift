import Circuits
import Foundation
import Testing
@testable import circuitry

/// `circuitry demo` end to end on the bundled series (models/roles/, in the repository).
@Suite("circuitry demo")
struct DemoCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let series = root.appendingPathComponent("models/roles").path

    @Test func extractsTheFinalCircuitAndFollowsItOverTheSeries() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        func demo(_ extra: [String]) throws -> EmergenceSummary {
            var command = try Circuitry.parseAsRoot(["demo", "--series", Self.series, "--count", "8", "--out", out.path] + extra)
            try command.run()
            return try EmergenceSummary.decode(Data(contentsOf: out.appendingPathComponent("emergence/emergence.json")))
        }
        let summary = try demo([])
        let circuit = try JSONDecoder.circuitry.decode(ExtractionSummary.self,
                                                       from: Data(contentsOf: out.appendingPathComponent("circuit/summary.json")))
        // The bundled rule: 4 of the 10 heads/MLPs; the trained model separates agent from patient.
        #expect(circuit.sizes.components == 4 && circuit.sizes.graphComponents == 10)
        #expect(circuit.metric.clean > 5 && circuit.metric.corrupted < -5)
        #expect(summary.rows.count == 12 && summary.rows.allSatisfy { $0.components == 4 })
        #expect(summary.rows.first!.measurements.cleanMetric! < 1, "the untrained model has no behaviour")
        let diffs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("emergence/diffs").path)
        #expect(diffs.count == 11)
        for file in ["circuit/circuit.svg", "emergence/overlap.svg", "emergence/faithfulness.svg", "pairs.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file) missing")
        }
        // Run again with another rule: the demo's own earlier sweep is redone, not refused.
        let again = try demo(["--top-nodes", "5"])
        #expect(again.rows.allSatisfy { $0.components == 5 })
    }
}
