import ArgumentParser
import Tensors

@main
struct Circuitry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "circuitry",
        abstract: "Circuit discovery for language models: attribute, prune, check faithfulness, render, extract, train, follow emergence.",
        subcommands: [Info.self, Tokenize.self, Logits.self, Generate.self, Pairs.self, Attribute.self, Prune.self,
                      Faithfulness.self, Extract.self, Render.self, Compare.self, Diff.self, EmergenceCommand.self, Train.self,
                      Demo.self])

    static func main() {
        MemoryTuning.keepFreedTensorMemory()
        main(nil)
    }
}
