import ArgumentParser
import Attribution
import Circuits
import Export
import Foundation

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract a circuit: attribution, pruning, faithfulness and exports in one go.",
        discussion: """
            Writes to --out: graph.json (every node and edge scored), circuit.json (the same with in_graph marking the \
            circuit), circuit.dot and circuit.svg (the circuit drawn), nodes.csv and edges.csv, and summary.json \
            (metrics, faithfulness and its curve, concentration, sizes, timings). Nothing in --out is replaced unless \
            every file was made.
            """)

    @OptionGroup var options: ModelOptions
    @OptionGroup var inputs: PairInputs
    @Option(help: "exact, atp, eap or eap-ig.") var method: AttributionMethod = .eapIG
    @Option(help: "logit-diff, prob-diff or kl.") var metric: Metric = .logitDiff
    @Option(name: .customLong("ig-steps"), help: "Interpolation steps of eap-ig.") var igSteps = 5
    @OptionGroup var pruning: PruningOptions
    @Option(help: "Faithfulness by corrupting edges or whole nodes outside the circuit (default: edges for edge methods).")
    var level: AblationLevel?
    @Flag(name: .customLong("no-curve"), help: "Skip the faithfulness curve over circuit sizes (CPR/CMD).")
    var noCurve = false
    @Option(help: ArgumentHelp("The folder to write (created if missing).", valueName: "dir")) var out: String

    static let defaultRule = PruningRule.topNodes(28)

    func validate() throws {
        guard igSteps > 0 else { throw ValidationError("--ig-steps must be positive, got \(igSteps)") }
        let rule = try pruning.rule(default: Self.defaultRule)
        if rule.needsEdgeScores, !method.scoresEdges {
            throw ValidationError("\(rule) ranks edges; --method \(method.rawValue) scores nodes only (use eap or eap-ig)")
        }
    }

    func run() throws {
        let loaded = try options.load()
        let model = loaded.transformer
        let pairSet = try inputs.load(for: loaded)
        var settings = Extraction.Options()
        settings.method = method
        settings.metric = metric
        settings.igSteps = igSteps
        settings.rule = try pruning.rule(default: Self.defaultRule)
        settings.level = level
        settings.curveFractions = noCurve ? [] : FaithfulnessCurve.mibFractions
        var progress: (stage: String, line: ProgressLine)?
        let extraction = try Extraction(model: model, batches: pairSet.batches(size: inputs.batchSize), options: settings) { stage, done, total in
            if progress?.stage != stage {
                progress?.line.finish()
                progress = (stage, ProgressLine(label: "\(stage) on \(pairSet.count) pairs"))
            }
            progress?.line.update(done: done, total: total)
        }
        progress?.line.finish()

        let meta = GraphFile.Meta(extraction.scores, model: options.model, architecture: model.architecture.rawValue,
                                  kvHeads: model.dims.kvHeads, pairsHash: pairSet.hash)
        let circuit = extraction.pruning.circuit
        let dot = CircuitDOT(meta: meta).dot(circuit)
        let files: [(name: String, data: Data)] = [
            ("graph.json", try GraphFile(extraction.full, meta: meta, dModel: model.dims.dModel).jsonData()),
            ("circuit.json", try GraphFile(circuit, meta: meta, dModel: model.dims.dModel).jsonData()),
            ("circuit.dot", Data(dot.utf8)),
            ("circuit.svg", try Graphviz.render(dot: dot, format: .svg)),
            ("nodes.csv", Data(CircuitCSV.nodes(circuit).utf8)),
            ("edges.csv", Data(CircuitCSV.edges(circuit).utf8)),
            ("summary.json", try JSONEncoder.circuitry.encode(extraction.summary)),
        ]
        try FolderWriter.write(files, to: URL(fileURLWithPath: out))
        print(ExtractionReport(summary: extraction.summary, circuit: circuit, folder: out))
    }
}

/// The short summary a person reads after `extract`.
struct ExtractionReport: CustomStringConvertible {
    let summary: ExtractionSummary
    let circuit: Circuit
    let folder: String

    var description: String {
        let s = summary
        var lines = [
            "\(s.method) on \(s.pairs) pairs, \(s.metric.name): clean \(f(s.metric.clean)), corrupted \(f(s.metric.corrupted))",
            "circuit (\(s.sizes.rule)): \(s.sizes.components) of \(s.sizes.graphComponents) heads/MLPs, "
                + "\(s.sizes.edges) of \(s.sizes.graphEdges) edges",
        ]
        if s.sizes.droppedDanglingComponents + s.sizes.droppedDanglingEdges > 0 {
            lines.append("  dropped as dangling: \(s.sizes.droppedDanglingComponents) heads/MLPs, \(s.sizes.droppedDanglingEdges) edges")
        }
        if let shortfall = s.sizes.shortfall { lines.append("  fewer than asked: \(shortfall)") }
        if s.sizes.components == s.sizes.graphComponents {
            lines.append("  note: the circuit is the whole model, so its faithfulness is 1 by construction; "
                         + "ask for fewer (--top-nodes K below \(s.sizes.graphComponents), or --top-edges N)")
        }
        let faithfulness = s.faithfulness.faithfulness.map { String(format: "%.3f", $0) } ?? "undefined (m(M) = m(∅))"
        lines.append("faithfulness (\(s.faithfulness.level.rawValue) level): F = \(faithfulness)   "
                     + "m(M) \(f(s.faithfulness.full))  m(∅) \(f(s.faithfulness.empty))  m(C) \(f(s.faithfulness.circuit))")
        if let curve = s.faithfulness.curve {
            lines.append(String(format: "over circuit sizes: CPR %.3f  CMD %.3f", curve.cpr, curve.cmd))
        }
        let k90 = s.concentration.k90.map { "\($0) of \(s.concentration.curve.count)" } ?? "—"
        if s.concentration.curve.count > 28 {
            lines.append(String(format: "concentration: top 28 heads/MLPs hold %.1f%% of |attribution|; 90%% within k = ", s.concentration.shareTop28 * 100) + k90)
        } else {
            lines.append("concentration: 90% of |attribution| within k = " + k90 + " heads/MLPs")
        }
        let top = circuit.rankedComponents().prefix(8).filter { circuit.nodeIn[$0] }
        lines.append("top components: " + top.map { "\(circuit.graph.nodeNames[$0]) \(f(circuit.nodeScores[$0]))" }.joined(separator: ", "))
        lines.append(String(format: "time: %.1fs attribution, %.1fs faithfulness", s.seconds.attribution, s.seconds.faithfulness))
        lines.append("wrote \(folder)/: graph.json circuit.json circuit.dot circuit.svg nodes.csv edges.csv summary.json")
        return lines.joined(separator: "\n")
    }

    func f(_ value: Double) -> String { String(format: "%+.4f", value) }
}
