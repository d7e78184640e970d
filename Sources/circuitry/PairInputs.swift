import ArgumentParser
import Attribution
import Foundation
import Models

/// `--pairs FILE [--batch-size B] [--prepend-bos]`, shared by every command that runs minimal pairs.
struct PairInputs: ParsableArguments {
    @Option(help: ArgumentHelp("Minimal pairs, JSONL (clean, corrupted, answer, foil — or their _ids).", valueName: "file"))
    var pairs: String
    @Option(name: .customLong("batch-size"), help: "Pairs per forward pass.") var batchSize = 16
    @Flag(name: .customLong("prepend-bos"), help: "Put the BOS token first where the tokenizer does not.")
    var prependBOS = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard FileManager.default.fileExists(atPath: pairs) else { throw ValidationError("--pairs \(pairs): no such file") }
    }

    func load(for model: LoadedModel) throws -> PairSet {
        try PairSet(contentsOf: URL(fileURLWithPath: pairs), tokenizer: model.tokenizer,
                    options: PairOptions(prependBOS: prependBOS, model: model))
    }
}
