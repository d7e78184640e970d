import ArgumentParser
import Attribution
import Foundation
import Models

struct Pairs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Minimal pairs (JSONL): generate them for a model's tokenizer.",
        subcommands: [Roles.self])
}

extension Pairs {
    struct Roles: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Role-cross pairs: agent and patient swapped, same token length, single-token answers.",
            discussion: """
                Fills the templates (default: circuits/roles/templates.json) with names, role nouns, verbs and \
                objects, keeps the pairs that are valid under the model's tokenizer, and writes them as JSONL with \
                text and ids. Prints a summary (kept, rejected by reason) to standard error. With --solved-only, \
                only pairs the model gets right on both prompts are kept, as circuit studies usually do.
                """)

        @OptionGroup var options: ModelOptions
        @Option(help: "Number of pairs to write.") var count: Int
        @Option(help: "Seed of the sampling: the same seed, count, templates and tokenizer give the same pairs.")
        var seed: UInt64 = 0
        @Option(help: ArgumentHelp("The JSONL file to write (atomically: complete or not at all).", valueName: "file"))
        var out: String
        @Option(help: ArgumentHelp("A templates file (default: circuits/roles/templates.json of this repository).",
                                   valueName: "file"))
        var templates: String?
        @Flag(name: .customLong("prepend-bos"),
              help: "Put the BOS token first where the tokenizer does not (TransformerLens's habit).")
        var prependBOS = false
        @Flag(name: .customLong("solved-only"),
              help: ArgumentHelp("Keep only pairs the model solves: it prefers the answer after the clean prompt and "
                + "the foil after the corrupted one (loads the weights; one forward per valid candidate)."))
        var solvedOnly = false

        func validate() throws {
            guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ValidationError("--out \(out): is a folder; give the JSONL file to write")
            }
            let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--out \(out): the folder \(folder) does not exist")
            }
            if let templates {
                guard FileManager.default.fileExists(atPath: templates) else {
                    throw ValidationError("--templates \(templates): no such file")
                }
            } else if Self.defaultTemplates() == nil {
                throw ValidationError("circuits/roles/templates.json was not found above the current folder or the "
                    + "executable; give --templates FILE")
            }
        }

        func run() throws {
            let directory = URL(fileURLWithPath: options.model)
            let tokenizer = try Tokenizer.load(directory: directory)
            let file = templates.map { URL(fileURLWithPath: $0) } ?? Self.defaultTemplates()!
            let roleTemplates = try RoleTemplates(contentsOf: file)
            let pairOptions = PairOptions(prependBOS: prependBOS,
                                          bosTokenId: PairOptions.bosToken(tokenizer: tokenizer, directory: directory))
            let generator = try RolePairGenerator(templates: roleTemplates, tokenizer: tokenizer, options: pairOptions)
            let model = solvedOnly ? try LoadedModel(directory: directory).transformer : nil
            let generation = try generator.generate(count: count, seed: seed, solvedBy: model)
            try generation.write(to: URL(fileURLWithPath: out))
            FileHandle.standardError.write(Data("wrote \(count) pairs to \(out) (pairs hash \(generation.hash)): \(generation.summary)\n".utf8))
        }

        /// `circuits/roles/templates.json` in the current folder or one above it, else above the executable.
        static func defaultTemplates() -> URL? { RepositoryFile.find("circuits/roles/templates.json") }
    }
}
