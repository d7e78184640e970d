import Attribution
import Circuits
import Export
import Foundation
import Models

/// Circuits across a series of checkpoints: one extraction per checkpoint, then the
/// statistics over steps.
///
/// Layout of the output folder:
///
///     settings.json                       what every circuit was made with
///     checkpoints/step{N}/graph.json      the scored graph of step N
///     checkpoints/step{N}/circuit.json    its circuit
///     checkpoints/step{N}/summary.json    its extraction summary (metrics, F, concentration, sizes)
///     checkpoints/step{N}/final.json      the final checkpoint's circuit measured at step N
///     emergence.json, emergence.csv       the statistics (after `merge`)
///     pairwise-*.csv, *.svg               matrices and charts
///     diffs/step{A}-step{B}.svg           what changed between consecutive steps' circuits
///
/// A step's folder appears in one `rename` once all four files exist, so a step whose
/// folder exists is complete and is skipped when the sweep runs again; a sweep killed
/// mid-way redoes only the step it was on. The final checkpoint is extracted first:
/// every other step measures the final circuit on itself.
public struct EmergenceSweep {
    public let series: CheckpointSeries
    public let pairsPath: String
    public let out: URL
    public var options: Extraction.Options
    public var batchSize = 16
    public var prependBOS = false

    public static let resultFiles = ["graph.json", "circuit.json", "summary.json", "final.json"]

    public init(series: CheckpointSeries, pairsPath: String, out: URL, options: Extraction.Options) {
        self.series = series
        self.pairsPath = pairsPath
        self.out = out
        self.options = options
    }

    /// What a sweep reports as it goes.
    public enum Event: Sendable {
        case skipped(step: Int)
        case started(step: Int, position: Int, total: Int)
        case finished(step: Int, position: Int, total: Int, seconds: Double)
    }

    public func folder(step: Int) -> URL { out.appendingPathComponent("checkpoints/step\(step)") }

    public func isComplete(step: Int) -> Bool {
        Self.resultFiles.allSatisfy { FileManager.default.fileExists(atPath: folder(step: step).appendingPathComponent($0).path) }
    }

    var finalCheckpoint: SeriesCheckpoint { series.checkpoints[series.checkpoints.count - 1] }

    // MARK: - Extraction

    /// Extracts every checkpoint of `shard` (all when nil) that is not complete yet, the final
    /// checkpoint first. Returns the steps extracted in this call.
    @discardableResult
    public func extract(shard: Shard? = nil, events: ((Event) -> Void)? = nil) throws -> [Int] {
        let settings = try checkSettings()
        var todo = series.checkpoints.enumerated().filter { shard?.contains(position: $0.offset) ?? true }.map(\.element)
        // The final circuit is needed by every other step: whichever shard gets there first makes it.
        if !todo.contains(where: { $0.step == finalCheckpoint.step }) { todo.append(finalCheckpoint) }
        todo.sort { a, b in (a.step == finalCheckpoint.step ? 0 : 1, a.step) < (b.step == finalCheckpoint.step ? 0 : 1, b.step) }
        try FileManager.default.createDirectory(at: out.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try removeAbandonedStaging()
        var done: [Int] = []
        let clock = ContinuousClock()
        for (position, checkpoint) in todo.enumerated() {
            if isComplete(step: checkpoint.step) {
                events?(.skipped(step: checkpoint.step))
                continue
            }
            events?(.started(step: checkpoint.step, position: position, total: todo.count))
            let start = clock.now
            try extract(checkpoint, settings: settings)
            let elapsed = clock.now - start
            done.append(checkpoint.step)
            events?(.finished(step: checkpoint.step, position: position, total: todo.count,
                              seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        return done
    }

    /// A killed run can leave a staging folder (`.step{N}.partial-…`) beside the results; its
    /// step is simply not complete, and the folder is rubbish.
    func removeAbandonedStaging() throws {
        let checkpoints = out.appendingPathComponent("checkpoints")
        for name in try FileManager.default.contentsOfDirectory(atPath: checkpoints.path)
        where name.hasPrefix(".step") && name.contains(".partial-") {
            try? FileManager.default.removeItem(at: checkpoints.appendingPathComponent(name))
        }
    }

    /// Pairs as this checkpoint's tokenizer reads them.
    func pairs(for model: LoadedModel) throws -> PairSet {
        try PairSet(contentsOf: URL(fileURLWithPath: pairsPath), tokenizer: model.tokenizer,
                    options: PairOptions(prependBOS: prependBOS, model: model))
    }

    /// The settings of this sweep, checked against (or written to) `settings.json`.
    func checkSettings() throws -> SweepSettings {
        let model = try LoadedModel(directory: URL(fileURLWithPath: finalCheckpoint.directory))
        let settings = SweepSettings(options: options, pairsFile: pairsPath, pairsHash: try pairs(for: model).hash)
        let file = out.appendingPathComponent("settings.json")
        if FileManager.default.fileExists(atPath: file.path) {
            let existing = try JSONDecoder.circuitry.decode(SweepSettings.self, from: Data(contentsOf: file))
            let differences = settings.differences(from: existing)
            guard differences.isEmpty else {
                throw SweepError(path: file.path, message: "this folder holds a sweep made with other settings ("
                                 + differences.joined(separator: "; ") + "); use another --out")
            }
        } else {
            try FolderWriter.write([("settings.json", JSONEncoder.circuitry.encode(settings))], to: out)
        }
        return settings
    }

    func extract(_ checkpoint: SeriesCheckpoint, settings: SweepSettings) throws {
        let loaded = try LoadedModel(directory: URL(fileURLWithPath: checkpoint.directory))
        let model = loaded.transformer
        let pairSet = try pairs(for: loaded)
        guard pairSet.hash == settings.pairsHash else {
            throw SweepError(path: checkpoint.directory, message: "its tokenizer reads \(pairsPath) differently from the final "
                             + "checkpoint's (pairs hash \(pairSet.hash), expected \(settings.pairsHash))")
        }
        let batches = pairSet.batches(size: batchSize)
        let extraction = try Extraction(model: model, batches: batches, options: options)
        let level = extraction.faithfulness.level
        let final: FinalCircuitCheck
        if checkpoint.step == finalCheckpoint.step {
            let report = extraction.faithfulness
            final = FinalCircuitCheck(finalStep: checkpoint.step, level: level, full: report.full, empty: report.empty,
                                      circuit: report.circuits[0], faithfulness: Self.finite(report.faithfulness(0)))
        } else {
            let path = folder(step: finalCheckpoint.step).appendingPathComponent("circuit.json").path
            let finalCircuit = try GraphFile.read(from: URL(fileURLWithPath: path))
                .circuit(expecting: ComponentGraph(model), dModel: model.dims.dModel, file: path)
            let report = try FaithfulnessEvaluator(model: model, metric: options.metric)
                .evaluate([finalCircuit], level: level, batches: batches)
            final = FinalCircuitCheck(finalStep: finalCheckpoint.step, level: level, full: report.full, empty: report.empty,
                                      circuit: report.circuits[0], faithfulness: Self.finite(report.faithfulness(0)))
        }
        let meta = GraphFile.Meta(extraction.scores, model: checkpoint.directory, architecture: model.architecture.rawValue,
                                  kvHeads: model.dims.kvHeads, step: checkpoint.step, pairsHash: pairSet.hash)
        try FolderWriter.write([
            ("graph.json", try GraphFile(extraction.full, meta: meta, dModel: model.dims.dModel).jsonData()),
            ("circuit.json", try GraphFile(extraction.pruning.circuit, meta: meta, dModel: model.dims.dModel).jsonData()),
            ("summary.json", try JSONEncoder.circuitry.encode(extraction.summary)),
            ("final.json", try JSONEncoder.circuitry.encode(final)),
        ], to: folder(step: checkpoint.step))
    }

    static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    // MARK: - Statistics

    /// The statistics over every checkpoint's results; refuses while any step is missing.
    public func summarize() throws -> EmergenceSummary {
        let missing = series.steps.filter { !isComplete(step: $0) }
        guard missing.isEmpty else {
            throw SweepError(path: out.path, message: "no complete results for step\(missing.count == 1 ? "" : "s") "
                             + missing.map(String.init).joined(separator: ", ") + " (run the remaining shards first)")
        }
        let settingsFile = out.appendingPathComponent("settings.json")
        let settings = try JSONDecoder.circuitry.decode(SweepSettings.self, from: Data(contentsOf: settingsFile))
        let points = try series.steps.map { step in
            let folder = folder(step: step)
            let circuitPath = folder.appendingPathComponent("circuit.json").path
            let circuit = try GraphFile.read(from: URL(fileURLWithPath: circuitPath)).circuit(expecting: nil, file: circuitPath)
            let summary = try JSONDecoder.circuitry.decode(ExtractionSummary.self,
                                                           from: Data(contentsOf: folder.appendingPathComponent("summary.json")))
            let final = try JSONDecoder.circuitry.decode(FinalCircuitCheck.self,
                                                         from: Data(contentsOf: folder.appendingPathComponent("final.json")))
            let measurements = StepMeasurements(
                cleanMetric: summary.metric.clean, corruptedMetric: summary.metric.corrupted,
                faithfulness: summary.faithfulness.faithfulness, finalCircuitFaithfulness: final.faithfulness,
                concentrationK90: summary.concentration.k90)
            return EmergencePoint(step: step, circuit: circuit.named, measurements: measurements)
        }
        return try EmergenceSummary(points: points, topK: settings.topK)
    }

    /// Writes `emergence.json`, `emergence.csv`, the pairwise matrices as CSV and the charts.
    @discardableResult
    public func merge() throws -> EmergenceSummary {
        let summary = try summarize()
        var files: [(name: String, data: Data)] = [
            ("emergence.json", try summary.jsonData()),
            ("emergence.csv", Data(EmergenceCSV.rows(summary).utf8)),
        ]
        let matrices: [(String, PairwiseMatrix?)] = [
            ("node-jaccard", summary.pairwise.nodeJaccard), ("node-weighted-jaccard", summary.pairwise.nodeWeightedJaccard),
            ("edge-jaccard", summary.pairwise.edgeJaccard), ("edge-weighted-jaccard", summary.pairwise.edgeWeightedJaccard),
            ("spectral", summary.pairwise.spectral),
        ]
        for case let (name, matrix?) in matrices {
            files.append(("pairwise-\(name).csv", Data(EmergenceCSV.matrix(matrix).utf8)))
        }
        for chart in EmergenceCharts.all(summary) { files.append((chart.name, Data(chart.svg.utf8))) }
        let diffs = try stepDiffs()
        try FolderWriter.write(files, to: out)
        try FolderWriter.write(diffs, to: out.appendingPathComponent("diffs"))
        return summary
    }

    /// Drawings of the circuit diff between each pair of consecutive steps (kept, added, removed).
    func stepDiffs() throws -> [(name: String, data: Data)] {
        let files = try series.steps.map { step in
            let path = folder(step: step).appendingPathComponent("circuit.json")
            let file = try GraphFile.read(from: path)
            return (step: step, meta: file.meta, circuit: try file.circuit(expecting: nil, file: path.path))
        }
        return try zip(files, files.dropFirst()).map { a, b in
            let diff = try CircuitDiff(a.circuit, b.circuit)
            let dot = CircuitDiffDOT(title: "step \(a.step) → step \(b.step)", metaA: a.meta, metaB: b.meta).dot(diff)
            return ("step\(a.step)-step\(b.step).svg", try Graphviz.render(dot: dot, format: .svg))
        }
    }
}

public struct SweepError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}
