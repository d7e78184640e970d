import ArgumentParser
import Foundation
import Models
import Tensors

struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Next-token logits of a prompt at every position.")

    @OptionGroup var options: ModelOptions
    @Option(help: "The prompt text (tokenized with the model's tokenizer).") var prompt: String?
    @Option(name: .customLong("token-ids"), help: ArgumentHelp("Token ids used as given, e.g. 1,2,3.", valueName: "ids"))
    var tokenIds: String?
    @Option(help: "Most likely next tokens to show (text output).") var top = 5
    @Flag(help: "Print {\"token_ids\": [...], \"logits\": [[...], ...]} with full-vocabulary logits at every position.")
    var json = false

    func validate() throws {
        guard (prompt == nil) != (tokenIds == nil) else { throw ValidationError("give exactly one of --prompt and --token-ids") }
        if let tokenIds { _ = try parseTokenIds(tokenIds, flag: "--token-ids") }
    }

    func run() throws {
        let loaded = try options.load()
        let ids = try tokenIds.map { try parseTokenIds($0, flag: "--token-ids") } ?? loaded.tokenizer.encode(prompt!)
        guard !ids.isEmpty else { throw ValidationError("the prompt has no tokens") }
        let logits = try loaded.transformer.logits(TokenBatch([ids]))
        let vocab = loaded.transformer.dims.vocab
        let rows = (0..<ids.count).map { Array(logits.storage[($0 * vocab)..<(($0 + 1) * vocab)]) }
        if json {
            // Float's description is the shortest decimal that reads back to the same Float32.
            let logitsJSON = rows.map { "[" + $0.map(\.description).joined(separator: ",") + "]" }.joined(separator: ",")
            print("{\"token_ids\":[\(ids.map(String.init).joined(separator: ","))],\"logits\":[\(logitsJSON)]}")
            return
        }
        let last = rows[rows.count - 1]
        let peak = last.max()!
        let total = last.reduce(0.0) { $0 + exp(Double($1 - peak)) }
        print("next token after \(ids.count) tokens (top \(top)):")
        for id in last.indices.sorted(by: { last[$0] > last[$1] }).prefix(top) {
            let p = exp(Double(last[id] - peak)) / total
            let token = loaded.tokenizer.token(for: id) ?? ""
            let shown = token.debugDescription.padding(toLength: max(20, token.debugDescription.count), withPad: " ", startingAt: 0)
            print(String(format: "%6d  ", id) + shown + String(format: "  logit %9.4f  p %.4f", last[id], p))
        }
    }
}
