import ArgumentParser
import Attribution
import Circuits
import Emergence
import Export
import Foundation
import Models

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job end to end on the bundled model: a role circuit, its drawing, and its emergence over training.",
        discussion: """
            On the bundled checkpoint series (models/roles/, trained by `circuitry train --task roles`): generates \
            role-cross pairs for its tokenizer, extracts the final checkpoint's circuit (EAP-IG, top 4 heads/MLPs unless told) \
            with faithfulness and concentration, draws it, and follows the circuit over every checkpoint. Prints the \
            key numbers and where the files are.
            """)

    static let bundledSeries = "models/roles"
    /// The bundled model has 2 layers of 4 heads and an MLP: extract's default of 28 components would keep
    /// all 10, and a circuit that is the whole model says nothing.
    static let bundledRule = ["--top-nodes", "4"]

    @Option(help: ArgumentHelp("A checkpoint series (default: the bundled models/roles).", valueName: "dir"))
    var series: String?
    @Option(help: "Role pairs to generate.") var count = 64
    @OptionGroup(title: "Pruning (default: --top-nodes 4, sized for the bundled model's 10 heads/MLPs)")
    var pruning: PruningOptions
    @Option(help: ArgumentHelp("The output folder.", valueName: "dir")) var out = "out/demo"

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
        if series == nil, RepositoryFile.find(Self.bundledSeries) == nil {
            throw ValidationError("the bundled series \(Self.bundledSeries)/ was not found above the current folder or the "
                                  + "executable; give --series DIR")
        }
    }

    var pruningArguments: [String] { pruning.arguments.isEmpty ? Self.bundledRule : pruning.arguments }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let seriesPath = series ?? RepositoryFile.relativeIfBelowCurrentFolder(RepositoryFile.find(Self.bundledSeries)!)
        let checkpoints = try CheckpointSeries.load(seriesPath)
        let final = checkpoints.checkpoints.last!
        let outFolder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        print("series: \(seriesPath): \(checkpoints.checkpoints.count) checkpoints, steps "
              + checkpoints.steps.map(String.init).joined(separator: ", ") + "; \(checkpoints.shape)")

        // 1. Role-cross pairs for this tokenizer.
        guard let templates = Pairs.Roles.defaultTemplates() else {
            throw ValidationError("circuits/roles/templates.json was not found above the current folder or the executable")
        }
        let finalFolder = URL(fileURLWithPath: final.directory)
        let tokenizer = try Tokenizer.load(directory: finalFolder)
        let generator = try RolePairGenerator(
            templates: RoleTemplates(contentsOf: templates), tokenizer: tokenizer,
            options: PairOptions(prependBOS: false, bosTokenId: PairOptions.bosToken(tokenizer: tokenizer, directory: finalFolder)))
        let generation = try generator.generate(count: count, seed: 0)
        let pairsFile = outFolder.appendingPathComponent("pairs.jsonl")
        try generation.write(to: pairsFile)
        print("pairs: \(count) role-cross pairs (seed 0) → \(pairsFile.path)")

        // 2. The final checkpoint's circuit.
        var extract = try Extract.parseAsRoot(["--model", final.directory, "--pairs", pairsFile.path,
                                               "--out", outFolder.appendingPathComponent("circuit").path] + pruningArguments)
        print("\n== circuit of step \(final.step)")
        try extract.run()

        // 3. Its emergence over training.
        print("\n== emergence over \(checkpoints.checkpoints.count) checkpoints")
        // A sweep refuses a folder made with other settings; the demo's own earlier sweep (it has
        // settings.json) is simply redone, so `demo --top-nodes 6` after `make demo` works.
        let sweepFolder = outFolder.appendingPathComponent("emergence")
        if FileManager.default.fileExists(atPath: sweepFolder.appendingPathComponent("settings.json").path) {
            try FileManager.default.removeItem(at: sweepFolder)
        }
        var emergence = try EmergenceCommand.parseAsRoot(["--checkpoints", seriesPath, "--pairs", pairsFile.path,
                                                          "--out", outFolder.appendingPathComponent("emergence").path] + pruningArguments)
        try emergence.run()

        let seconds = (clock.now - start).components.seconds
        print("""

            done in \(seconds)s. Open:
              \(out)/circuit/circuit.svg          the circuit (input at the bottom, logits at the top)
              \(out)/circuit/summary.json         metrics, faithfulness, concentration
              \(out)/emergence/faithfulness.svg   faithfulness over training (also metric.svg, overlap.svg, heatmaps)
              \(out)/emergence/overlap.svg        how far each step's circuit is from the final one
              \(out)/emergence/diffs/             what changed between consecutive steps' circuits
              \(out)/emergence/emergence.json     every statistic, with its definition
            """)
    }
}

/// Files of this repository (data such as templates and the bundled series), found from the
/// current folder or the executable's, walking up.
enum RepositoryFile {
    static func find(_ relativePath: String) -> URL? {
        let starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                      URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent(relativePath)
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// `url`'s path relative to the current folder when it lies below it (shorter in drawings' captions).
    static func relativeIfBelowCurrentFolder(_ url: URL) -> String {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }
}
