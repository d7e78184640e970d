import ArgumentParser
import Attribution
import Export
import Foundation
import Models

extension AttributionMethod: ExpressibleByArgument {}
extension Metric: ExpressibleByArgument {}

struct Attribute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every component (and edge) of a model by how much it carries a behaviour.",
        discussion: """
            Methods: exact (activation patching, one patched run per node: the ground truth), atp (node attribution \
            patching: clean run, corrupted run, one backward), eap (every edge of the EAP-IG graph from the same \
            backward), eap-ig (integrated gradients over --ig-steps interpolated input embeddings). Scores are the \
            estimated change of the metric when a component's corrupted value is patched into the clean run, mean \
            over pairs. Writes graph JSON (docs/graph-json.md).
            """)

    @OptionGroup var options: ModelOptions
    @OptionGroup var inputs: PairInputs
    @Option(help: "exact, atp, eap or eap-ig.") var method: AttributionMethod = .eapIG
    @Option(help: "logit-diff, prob-diff or kl.") var metric: Metric = .logitDiff
    @Option(name: .customLong("ig-steps"), help: "Interpolation steps of eap-ig.") var igSteps = 5
    @Flag(name: .customLong("qk-fix"),
          help: "AtP*: recompute attention softmaxes exactly for effects through queries and keys (atp, eap).")
    var qkFix = false
    @Flag(name: .customLong("grad-drop"),
          help: "AtP*: GradDrop against gradient cancellation; scores become unsigned magnitudes (atp).")
    var gradDrop = false
    @Option(help: ArgumentHelp("The graph JSON to write (only after everything succeeded).", valueName: "file"))
    var out: String

    func validate() throws {
        guard igSteps > 0 else { throw ValidationError("--ig-steps must be positive, got \(igSteps)") }
        if qkFix && ![.atp, .eap].contains(method) { throw ValidationError("--qk-fix applies to --method atp or eap, not \(method.rawValue)") }
        if gradDrop && method != .atp { throw ValidationError("--grad-drop applies to --method atp, not \(method.rawValue)") }
        var isDirectory: ObjCBool = false
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--out \(out): the folder \(folder) does not exist")
        }
    }

    func run() throws {
        let loaded = try options.load()
        let pairSet = try inputs.load(for: loaded)
        var attributor = Attributor(model: loaded.transformer, method: method, metric: metric, igSteps: igSteps)
        attributor.qkFix = qkFix
        attributor.gradDrop = gradDrop
        let progress = ProgressLine(label: "\(method.rawValue) on \(pairSet.count) pairs")
        let scores = try attributor.run(pairSet.batches(size: inputs.batchSize)) { progress.update(done: $0, total: $1) }
        progress.finish()
        let model = loaded.transformer
        let file = GraphFile(scores, dModel: model.dims.dModel, kvHeads: model.dims.kvHeads, model: options.model,
                             architecture: model.architecture.rawValue, pairsHash: pairSet.hash)
        try file.write(to: URL(fileURLWithPath: out))
        print("clean \(metric.rawValue): \(format(scores.cleanMetric))   corrupted: \(format(scores.corruptedMetric))   "
              + "(\(scores.pairCount) pairs)")
        print("top nodes by |score|:")
        let ranked = scores.graph.sources.sorted { abs(scores.nodeScore($0)) > abs(scores.nodeScore($1)) }
        for source in ranked.prefix(10) {
            print("  \(source.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(format(scores.nodeScore(source)))")
        }
        print("wrote \(out)")
    }

    func format(_ value: Double) -> String { String(format: "%+.4f", value) }
}

/// A one-line progress report on standard error with rate and time left, rewritten in place.
final class ProgressLine {
    let label: String
    let start = ContinuousClock.now

    init(label: String) { self.label = label }

    func update(done: Int, total: Int) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let left = done > 0 ? seconds / Double(done) * Double(total - done) : 0
        FileHandle.standardError.write(Data(String(format: "\r%@: %d/%d  %.1fs elapsed, ~%.0fs left ", label, done, total, seconds, left).utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
