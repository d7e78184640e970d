import ArgumentParser
import Attribution
import Circuits
import Export
import Foundation

struct Faithfulness: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure how faithful a circuit is, by patched runs of the model.",
        discussion: """
            m(M) is the clean model, m(∅) the model with every edge corrupted, m(C) the model with every edge outside \
            the circuit carrying its corrupted-run value; F = (m(C) − m(∅)) / (m(M) − m(∅)). --level nodes corrupts \
            whole component outputs instead. --curve cuts the graph at the MIB sizes (top edges, or top heads/MLPs for \
            node-scored graphs) and reports the F curve with CPR (area under F) and CMD (area under |1 − F|).
            """)

    @OptionGroup var options: ModelOptions
    @OptionGroup var inputs: PairInputs
    @Option(help: ArgumentHelp("The circuit (graph JSON with in_graph flags).", valueName: "file")) var graph: String
    @Option(help: "logit-diff, prob-diff or kl.") var metric: Metric = .logitDiff
    @Option(help: "edges (edges outside carry corrupted values) or nodes (components outside write corrupted outputs).")
    var level: AblationLevel = .edges
    @Flag(help: "Also sweep circuit sizes: the F curve, CPR and CMD.") var curve = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: graph) else { throw ValidationError("--graph \(graph): no such file") }
    }

    func run() throws {
        let loaded = try options.load()
        let model = loaded.transformer
        let circuit = try GraphFile.read(from: URL(fileURLWithPath: graph))
            .circuit(expecting: ComponentGraph(model), dModel: model.dims.dModel, file: graph)
        let batches = try inputs.load(for: loaded).batches(size: inputs.batchSize)
        let evaluator = FaithfulnessEvaluator(model: model, metric: metric)
        let progress = json ? nil : ProgressLine(label: "patched runs")
        let report = try evaluator.evaluate([circuit], level: level, batches: batches) { progress?.update(done: $0, total: $1) }
        progress?.finish()
        let sweep = try curve ? evaluator.curve(circuit.unpruned, level: level, batches: batches) : nil
        if json {
            var object: [String: Any] = [
                "metric": metric.rawValue, "level": level.rawValue, "pairs": report.pairCount,
                "m_full": report.full, "m_empty": report.empty, "m_circuit": report.circuits[0],
                "faithfulness": jsonNumber(report.faithfulness(0)),
                "components": circuit.componentCount, "edges": circuit.edgeCount,
            ]
            if let sweep { object["curve"] = try JSONSerialization.jsonObject(with: JSONEncoder.circuitry.encode(sweep)) }
            try printJSON(object)
            return
        }
        print("circuit: \(circuit.componentCount) heads/MLPs, \(circuit.edgeCount) edges; \(report.pairCount) pairs; "
              + "\(metric.rawValue), \(level.rawValue) level")
        print(String(format: "m(M) %+.4f   m(∅) %+.4f   m(C) %+.4f   F %.4f", report.full, report.empty,
                     report.circuits[0], report.faithfulness(0)))
        if let sweep {
            print("F over circuit sizes (share of \(sweep.unit)):")
            for point in sweep.points {
                print(String(format: "  %6.2f%%  %4d heads/MLPs %6d edges  F %+.4f", point.fraction * 100, point.components,
                             point.edges, point.faithfulness))
            }
            print(String(format: "CPR %.4f   CMD %.4f", sweep.cpr, sweep.cmd))
        }
    }
}

/// NaN and infinities have no JSON spelling: they are written as null.
func jsonNumber(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
