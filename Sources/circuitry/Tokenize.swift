import ArgumentParser
import Models

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Token ids and tokens of a text, with BOS as the tokenizer's post-processor adds it.")

    @OptionGroup var options: ModelOptions
    @Option(help: "The text to tokenize.") var text: String
    @Flag(help: "Print {\"token_ids\": [...], \"tokens\": [...]}.") var json = false

    func run() throws {
        let tokenizer = try options.load().tokenizer
        let ids = tokenizer.encode(text)
        let tokens = ids.map { tokenizer.token(for: $0) ?? "" }
        if json {
            try printJSON(["token_ids": ids, "tokens": tokens])
        } else {
            for (id, token) in zip(ids, tokens) { print("\(id)\t\(token.debugDescription)") }
        }
    }
}
