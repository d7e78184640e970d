import ArgumentParser
import Attribution
import Circuits
import Emergence
import Foundation
import Models

struct EmergenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergence",
        abstract: "Follow a circuit across training checkpoints: one extraction per checkpoint, then overlap, spectra and charts.",
        discussion: """
            --checkpoints is a folder of checkpoint folders whose names carry the step (step1000, checkpoint-1000, \
            global_step1000, revision=step1000) or a manifest (docs/emergence.md). Each checkpoint's graph, circuit and \
            summary go to OUT/checkpoints/step{N}/, written all at once; a complete step is skipped when the sweep runs \
            again, so an interrupted sweep resumes. --shard i/n extracts every n-th checkpoint starting at the i-th \
            (0 ≤ i < n) for a job array; --merge computes the statistics from all shards' results.
            """)

    @Option(help: ArgumentHelp("A folder of step folders, or a manifest file.", valueName: "dir|file")) var checkpoints: String
    @OptionGroup var inputs: PairInputs
    @Option(help: "exact, atp, eap or eap-ig.") var method: AttributionMethod = .eapIG
    @Option(help: "logit-diff, prob-diff or kl.") var metric: Metric = .logitDiff
    @Option(name: .customLong("ig-steps"), help: "Interpolation steps of eap-ig.") var igSteps = 5
    @OptionGroup var pruning: PruningOptions
    @Option(help: "Faithfulness by corrupting edges or whole nodes outside the circuit (default: edges for edge methods).")
    var level: AblationLevel?
    @Option(help: ArgumentHelp("Extract only the checkpoints of shard i of n (0-based).", valueName: "i/n")) var shard: String?
    @Flag(help: "Only compute the statistics from the results already in --out (after all shards ran).") var merge = false
    @Option(help: ArgumentHelp("The output folder.", valueName: "dir")) var out: String

    func validate() throws {
        guard igSteps > 0 else { throw ValidationError("--ig-steps must be positive, got \(igSteps)") }
        let rule = try pruning.rule(default: Extract.defaultRule)
        if rule.needsEdgeScores, !method.scoresEdges {
            throw ValidationError("\(rule) ranks edges; --method \(method.rawValue) scores nodes only (use eap or eap-ig)")
        }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard \(shard): expected i/n with 0 ≤ i < n, e.g. 0/4") }
        if merge, shard != nil { throw ValidationError("--merge and --shard go in separate runs: shards first, then one --merge") }
    }

    func run() throws {
        let series = try CheckpointSeries.load(checkpoints)
        var options = Extraction.Options()
        options.method = method
        options.metric = metric
        options.igSteps = igSteps
        options.rule = try pruning.rule(default: Extract.defaultRule)
        options.level = level
        options.curveFractions = []
        var sweep = EmergenceSweep(series: series, pairsPath: inputs.pairs, out: URL(fileURLWithPath: out), options: options)
        sweep.batchSize = inputs.batchSize
        sweep.prependBOS = inputs.prependBOS
        print("\(series.checkpoints.count) checkpoints (steps \(series.steps.map(String.init).joined(separator: ", "))), "
              + "\(series.shape)" + (series.skipped.isEmpty ? "" : "; skipped \(series.skipped.count) folders"))
        if !merge {
            let shardValue = shard.flatMap(Shard.init)
            let clock = ContinuousClock()
            let start = clock.now
            var finished = 0
            try sweep.extract(shard: shardValue) { event in
                switch event {
                case let .skipped(step):
                    print("step \(step): complete, skipped")
                case let .started(step, position, total):
                    FileHandle.standardError.write(Data("step \(step) (\(position + 1)/\(total)) …\n".utf8))
                case let .finished(step, position, total, seconds):
                    finished += 1
                    let elapsed = (clock.now - start).components.seconds
                    let perStep = Double(elapsed) / Double(finished)
                    let left = Double(total - position - 1) * perStep
                    print(String(format: "step %d: done in %.1fs (%d/%d; ~%.0fs left)", step, seconds, position + 1, total, left))
                }
            }
            if shardValue != nil {
                print("shard \(shard!) done; when every shard is, run the same command with --merge instead of --shard")
                return
            }
        }
        let summary = try sweep.merge()
        print(EmergenceReport(summary: summary, folder: out))
        let components = series.shape.layers * (series.shape.heads + 1)
        if let final = summary.rows.last, final.components >= components {
            print("note: the final circuit holds all \(components) heads/MLPs, so overlap between steps says little; "
                  + "ask for fewer (--top-nodes K below \(components), or --top-edges N)")
        }
    }
}

/// The few lines a person reads after a sweep.
struct EmergenceReport: CustomStringConvertible {
    let summary: EmergenceSummary
    let folder: String

    var description: String {
        var lines = ["step       clean  corrupted   F(own)  F(final)  k90  components  Jaccard vs final"]
        // F divides by m(M) − m(∅): before the behaviour exists that gap is tiny and F is mostly noise.
        func gap(_ m: StepMeasurements) -> Double? {
            guard let clean = m.cleanMetric, let corrupted = m.corruptedMetric else { return nil }
            return abs(clean - corrupted)
        }
        let finalGap = summary.rows.last.flatMap { gap($0.measurements) }
        var marked = false
        for row in summary.rows {
            let m = row.measurements
            let noisy = gap(m).flatMap { gap in finalGap.map { gap < Self.noisyGapShare * $0 } } ?? false
            marked = marked || noisy
            let mark = noisy ? "~" : ""
            let fields = [String(row.step).leftAligned(6), Self.f(m.cleanMetric, "%+.4f").rightAligned(9), Self.f(m.corruptedMetric, "%+.4f").rightAligned(10),
                          (mark + Self.f(m.faithfulness)).rightAligned(8), (mark + Self.f(m.finalCircuitFaithfulness)).rightAligned(9),
                          (m.concentrationK90.map(String.init) ?? "-").rightAligned(4), String(row.components).rightAligned(11),
                          String(format: "%.3f", row.vsFinal.nodeJaccard).rightAligned(17)]
            lines.append(fields.joined(separator: " "))
        }
        if marked {
            lines.append("~ clean and corrupted differ by under \(Int(Self.noisyGapShare * 100))% of the final step's gap: F, a ratio "
                         + "over that gap, is mostly noise there")
        }
        lines.append("verdict: \(summary.verdict.verdict.rawValue) — \(summary.verdict.reason)")
        lines.append("wrote \(folder)/: emergence.json emergence.csv pairwise-*.csv *.svg diffs/*.svg, checkpoints/step*/")
        return lines.joined(separator: "\n")
    }

    /// Below this share of the final step's |clean − corrupted|, a step's F is marked as noise.
    static let noisyGapShare = 0.01

    static func f(_ value: Double?, _ format: String = "%.3f") -> String { value.map { String(format: format, $0) } ?? "-" }
}

extension String {
    /// Right-aligned in `width` columns.
    func rightAligned(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
    /// Left-aligned in `width` columns.
    func leftAligned(_ width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
}
