import Attribution
import Circuits
import Export
import Foundation
import Models
import Testing
@testable import Emergence

@Suite("Emergence sweeps")
struct EmergenceSweepTests {
    static func options() -> Extraction.Options {
        var options = Extraction.Options()
        options.method = .eap
        options.rule = .topNodes(4)
        return options
    }

    static func sweep(_ series: URL, out: URL) throws -> EmergenceSweep {
        EmergenceSweep(series: try CheckpointSeries.load(series.path), pairsPath: SeriesFixture.pairs, out: out, options: options())
    }

    @Test func statisticsAgreeWithThePerCheckpointFiles() throws {
        let series = try SeriesFixture.make()
        let out = SeriesFixture.temporaryFolder("sweep")
        defer { try? FileManager.default.removeItem(at: series); try? FileManager.default.removeItem(at: out) }
        let sweep = try Self.sweep(series, out: out)
        #expect(try sweep.extract() == [1000, 0, 10, 100], "the final checkpoint goes first")
        let summary = try sweep.merge()
        let written = try EmergenceSummary.decode(Data(contentsOf: out.appendingPathComponent("emergence.json")))
        #expect(written == summary)

        // Recomputed here from circuit.json and summary.json: node Jaccard against the final circuit,
        // the pairwise matrix, and each row's metric.
        func members(_ step: Int) throws -> Set<String> {
            let file = try GraphFile.read(from: sweep.folder(step: step).appendingPathComponent("circuit.json"))
            // Heads and MLPs: input and logits are in every circuit and not counted.
            return Set(file.nodes.filter { $0.value.inGraph && $0.key != "input" && $0.key != "logits" }.map(\.key))
        }
        let steps = [0, 10, 100, 1000]
        let sets = try steps.map(members)
        for (i, row) in written.rows.enumerated() {
            let expected = Double(sets[i].intersection(sets[3]).count) / Double(sets[i].union(sets[3]).count)
            #expect(abs(row.vsFinal.nodeJaccard - expected) < 1e-12, "step \(row.step)")
            let extraction = try JSONDecoder.circuitry.decode(ExtractionSummary.self,
                from: Data(contentsOf: sweep.folder(step: row.step).appendingPathComponent("summary.json")))
            #expect(row.measurements.cleanMetric == extraction.metric.clean)
            #expect(row.components == 4)
        }
        let matrix = written.pairwise.nodeJaccard.values
        for i in steps.indices {
            #expect(matrix[i][i] == 1)
            for j in steps.indices {
                #expect(matrix[i][j] == matrix[j][i])
                let expected = Double(sets[i].intersection(sets[j]).count) / Double(sets[i].union(sets[j]).count)
                #expect(abs(matrix[i][j] - expected) < 1e-12)
            }
        }
        // The final circuit measured on the final checkpoint is its own faithfulness.
        #expect(written.rows.last?.measurements.finalCircuitFaithfulness == written.rows.last?.measurements.faithfulness)
        for name in ["emergence.csv", "pairwise-node-jaccard.csv", "metric.svg", "settings.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
        }
        // One diff drawing per consecutive pair of steps, each holding every node of either circuit
        // (their heads and MLPs, input and logits).
        let diffs = out.appendingPathComponent("diffs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: diffs.path).sorted()
                == ["step0-step10.svg", "step10-step100.svg", "step100-step1000.svg"])
        for (a, b) in zip(steps, steps.dropFirst()) {
            let svg = try String(contentsOf: diffs.appendingPathComponent("step\(a)-step\(b).svg"), encoding: .utf8)
            let union = try sets[steps.firstIndex(of: a)!].union(members(b))
            #expect(svg.contains("step \(a) → step \(b)"))
            #expect(svg.components(separatedBy: "class=\"node\"").count - 1 == union.count + 2, "step\(a)-step\(b).svg")
        }
    }

    @Test func twoShardsMergedEqualOneRun() throws {
        let series = try SeriesFixture.make()
        let whole = SeriesFixture.temporaryFolder("whole"), sharded = SeriesFixture.temporaryFolder("sharded")
        defer { for f in [series, whole, sharded] { try? FileManager.default.removeItem(at: f) } }
        let one = try Self.sweep(series, out: whole)
        try one.extract()
        try one.merge()
        let parts = try Self.sweep(series, out: sharded)
        #expect(try parts.extract(shard: Shard("1/2")) == [1000, 10])
        #expect(throws: SweepError.self) { try parts.merge() }   // shard 0 has not run
        #expect(try parts.extract(shard: Shard("0/2")) == [0, 100], "the final step is done already")
        try parts.merge()
        #expect(try Data(contentsOf: whole.appendingPathComponent("emergence.json"))
                == Data(contentsOf: sharded.appendingPathComponent("emergence.json")))
    }

    @Test func anotherSettingIsRefused() throws {
        let series = try SeriesFixture.make(steps: [0, 5])
        let out = SeriesFixture.temporaryFolder("settings")
        defer { try? FileManager.default.removeItem(at: series); try? FileManager.default.removeItem(at: out) }
        try Self.sweep(series, out: out).extract()
        var other = try Self.sweep(series, out: out)
        other.options.rule = .topNodes(5)
        #expect { try other.extract() } throws: { "\($0)".contains("rule top-nodes 4 → top-nodes 5") }
    }

    @Test func pairsTheTokenizerCannotTakeWriteNothing() throws {
        let series = try SeriesFixture.make(steps: [0, 5])
        let out = SeriesFixture.temporaryFolder("badpairs")
        let pairs = out.appendingPathComponent("pairs.jsonl")
        defer { try? FileManager.default.removeItem(at: series); try? FileManager.default.removeItem(at: out) }
        try Data(#"{"clean": "the chef praised the", "corrupted": "the waiter praised the", "answer": " waiter waiter", "foil": " chef"}"#.utf8)
            .write(to: pairs)
        let sweep = EmergenceSweep(series: try CheckpointSeries.load(series.path), pairsPath: pairs.path,
                                   out: out.appendingPathComponent("out"), options: Self.options())
        #expect { try sweep.extract() } throws: { "\($0)".contains("line 1") }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("out").path))
    }
}
