import Circuits
import Emergence
import Foundation
import Models
import Testing
@testable import circuitry

/// The built command-line tool, beside the test bundle (`make test` builds it first).
private let executable: URL? = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        folder = folder.deletingLastPathComponent()
    }
    let binary = folder.appendingPathComponent(".build/debug/circuitry")
    return FileManager.default.isExecutableFile(atPath: binary.path) ? binary : nil
}()

@Suite("circuitry emergence")
struct EmergenceCommandTests {
    @Test func faithfulnessBeforeTheBehaviourIsMarkedAsNoise() throws {
        let circuit = NamedCircuit(layers: 1, heads: 1, nodeScores: ["a0.h0": 1], nodes: ["input", "a0.h0", "logits"])
        func point(_ step: Int, _ clean: Double, _ corrupted: Double) -> EmergencePoint {
            EmergencePoint(step: step, circuit: circuit, measurements: StepMeasurements(
                cleanMetric: clean, corruptedMetric: corrupted, faithfulness: 0.9, finalCircuitFaithfulness: 0.8))
        }
        // Gaps 0.01, 0.5 and 10: only the first is under 1% of the final one.
        let summary = try EmergenceSummary(points: [point(0, 0.02, 0.01), point(10, 0.5, 0), point(100, 5, -5)], topK: 1)
        let lines = EmergenceReport(summary: summary, folder: "out").description.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("0 ") && lines[1].contains("~0.900") && lines[1].contains("~0.800"), "\(lines[1])")
        #expect(!lines[2].contains("~") && !lines[3].contains("~"))
        #expect(lines.contains { $0.hasPrefix("~ clean and corrupted differ by under 1%") })
        let steady = try EmergenceSummary(points: [point(10, 0.5, 0), point(100, 5, -5)], topK: 1)
        #expect(!EmergenceReport(summary: steady, folder: "out").description.contains("~"))
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pairs = root.appendingPathComponent("fixtures/attribution/gpt2/pairs.jsonl").path

    /// Checkpoint folders step{N}/ that are copies of the GPT-2 fixture (the statistics do not
    /// matter here, only which steps are done).
    static func series(_ steps: [Int]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-cli-series-\(UUID().uuidString)")
        for step in steps {
            try FileManager.default.copyItem(at: root.appendingPathComponent("fixtures/models/gpt2"),
                                             to: folder.appendingPathComponent("step\(step)"))
        }
        return folder
    }

    static func arguments(_ series: URL, _ out: URL) -> [String] {
        ["emergence", "--checkpoints", series.path, "--pairs", pairs, "--method", "eap-ig", "--ig-steps", "40",
         "--top-nodes", "4", "--out", out.path]
    }

    /// A sweep killed mid-way and run again redoes only the unfinished steps and gives the same
    /// emergence.json as a sweep that was never interrupted.
    @Test(.enabled(if: executable != nil, "the circuitry executable is not built"))
    func killedSweepResumes() throws {
        let steps = [0, 1, 2, 3, 4, 5, 6, 7]
        let series = try Self.series(steps)
        let killed = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-killed-\(UUID().uuidString)")
        let whole = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-whole-\(UUID().uuidString)")
        defer { for f in [series, killed, whole] { try? FileManager.default.removeItem(at: f) } }

        // Every sweep runs as a process: the thread count is process-wide (training tests in this
        // process set it), and results depend on it.
        func launch(_ out: URL) throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = Self.arguments(series, out)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let process = try launch(killed)
        let checkpoints = killed.appendingPathComponent("checkpoints")
        func completed() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []).filter { !$0.hasPrefix(".") }
        }
        let deadline = Date().addingTimeInterval(120)
        while completed().count < 2, process.isRunning, Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let doneBefore = Set(completed())
        #expect(doneBefore.count >= 2 && doneBefore.count < steps.count, "killed after \(doneBefore.sorted())")
        func modified(_ name: String) throws -> Date? {
            try FileManager.default.attributesOfItem(atPath: checkpoints.appendingPathComponent("\(name)/summary.json").path)[.modificationDate] as? Date
        }
        let datesBefore = try doneBefore.map { try modified($0) }

        func runToEnd(_ out: URL) throws {
            let process = try launch(out)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "circuitry \(Self.arguments(series, out).joined(separator: " "))")
        }
        try runToEnd(killed)
        let doneAfter = Set(completed())
        #expect(doneAfter.count == steps.count)
        // Steps finished before the kill were not redone: their files are untouched.
        #expect(try doneBefore.map { try modified($0) } == datesBefore)
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).allSatisfy { !$0.hasPrefix(".") },
                "a staging folder was left behind")

        try runToEnd(whole)
        #expect(try Data(contentsOf: killed.appendingPathComponent("emergence.json"))
                == Data(contentsOf: whole.appendingPathComponent("emergence.json")))
    }

    @Test func badSeriesAndFlagsAreNamed() throws {
        func message(_ arguments: [String]) -> String {
            do { var c = try Circuitry.parseAsRoot(arguments); try c.run(); return "succeeded" } catch { return Circuitry.message(for: error) }
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("notes"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(message(["emergence", "--checkpoints", empty.path, "--pairs", Self.pairs, "--out", "/tmp/x"]).contains(empty.path))
        #expect(message(["emergence", "--checkpoints", empty.path, "--pairs", Self.pairs, "--shard", "2/2", "--out", "/tmp/x"])
                    == "--shard 2/2: expected i/n with 0 ≤ i < n, e.g. 0/4")
        #expect(message(["emergence", "--checkpoints", empty.path, "--pairs", Self.pairs, "--shard", "0/2", "--merge", "--out", "/tmp/x"])
                    .contains("separate runs"))
    }
}
