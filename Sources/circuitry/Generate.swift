import ArgumentParser
import Models

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Greedy continuation of a prompt.")

    @OptionGroup var options: ModelOptions
    @Option(help: "The prompt (empty: start from the tokenizer's BOS alone).") var prompt = ""
    @Option(name: .customLong("max-tokens"), help: "Tokens to generate.") var maxTokens = 32

    func validate() throws {
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive, got \(maxTokens)") }
    }

    func run() throws {
        let loaded = try options.load()
        let tokenizer = loaded.tokenizer
        let ids = tokenizer.encode(prompt)
        guard !ids.isEmpty else {
            throw ValidationError("the prompt has no tokens and the tokenizer adds no BOS: give a --prompt")
        }
        let generated = try loaded.transformer.generateGreedy(from: ids, maxTokens: maxTokens, stopAt: tokenizer.eosTokenId)
        print(tokenizer.decode(ids + generated, skipSpecialTokens: true))
    }
}
