import Attribution
import Foundation
import Models
import Testing
@testable import circuitry

/// `circuitry pairs roles` end to end on the GPT-2 fixture.
@Suite("pairs roles command")
struct PairsCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let gpt2 = root.appendingPathComponent("fixtures/models/gpt2")

    /// `--solved-only` writes the pairs the library keeps for that model: each one solved on both prompts.
    @Test func solvedOnlyWritesThePairsTheModelSolves() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("roles.jsonl")
        var command = try Circuitry.parseAsRoot(["pairs", "roles", "--model", Self.gpt2.path, "--count", "12", "--seed", "2",
                                                 "--solved-only", "--out", out.path])
        try command.run()
        let written = try String(contentsOf: out, encoding: .utf8)

        let loaded = try LoadedModel(directory: Self.gpt2)
        let templates = try RoleTemplates(contentsOf: Self.root.appendingPathComponent("circuits/roles/templates.json"))
        let generation = try RolePairGenerator(templates: templates, tokenizer: loaded.tokenizer)
            .generate(count: 12, seed: 2, solvedBy: loaded.transformer)
        #expect(written == generation.jsonl)
        #expect((generation.rejected[.notSolved] ?? 0) > 0)
        // Without the flag the same seed keeps pairs the model gets wrong.
        let plain = try RolePairGenerator(templates: templates, tokenizer: loaded.tokenizer).generate(count: 12, seed: 2)
        #expect(plain.jsonl != written)
    }
}
