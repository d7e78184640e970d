import ArgumentParser

@main
struct Circuitry: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "circuitry", abstract: "Circuit discovery for language models.")
}
