import Foundation
import Models
@testable import Attribution

/// Fixture models and pairs, found by walking up from this file to Package.swift.
enum Fixtures {
    static let root: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()

    static let models = ["gpt2", "neox-parallel", "neox-sequential", "llama-gqa"]

    /// A fixture model and its attribution pairs as one padded batch.
    static func load(_ name: String) throws -> (Transformer, PairBatch) {
        let loaded = try LoadedModel(directory: root.appendingPathComponent("fixtures/models/\(name)"))
        let pairs = try PairSet(contentsOf: root.appendingPathComponent("fixtures/attribution/\(name)/pairs.jsonl"),
                                tokenizer: loaded.tokenizer)
        return (loaded.transformer, pairs.batches(size: pairs.count)[0])
    }
}
