import ArgumentParser
import Tensors

@main
struct Circuitry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "circuitry",
        abstract: "Circuit discovery for language models: load checkpoints, attribute, prune, render.",
        subcommands: [Info.self, Tokenize.self, Logits.self, Generate.self, Attribute.self, Pairs.self, Compare.self])

    static func main() {
        MemoryTuning.keepFreedTensorMemory()
        main(nil)
    }
}
