import ArgumentParser
import Foundation
import Testing
@testable import circuitry

/// Argument checking of the command-line tool: bad input gets a message naming the flag.
@Suite("Command line")
struct CommandLineTests {
    static let gpt2 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/models/gpt2").path

    func message(_ arguments: [String]) -> String {
        do {
            _ = try Circuitry.parseAsRoot(arguments)
            return "accepted"
        } catch {
            return Circuitry.message(for: error)
        }
    }

    @Test func missingModelFolderIsNamed() {
        #expect(message(["info", "--model", "/no/such/folder"]) == "--model /no/such/folder: no such folder")
        #expect(message(["info", "--model", "/tmp"]).contains("no config.json"))
    }

    @Test func logitsNeedsExactlyOneInput() {
        #expect(message(["logits", "--model", Self.gpt2]) == "give exactly one of --prompt and --token-ids")
        #expect(message(["logits", "--model", Self.gpt2, "--prompt", "a", "--token-ids", "1"]) ==
            "give exactly one of --prompt and --token-ids")
        #expect(message(["logits", "--model", Self.gpt2, "--token-ids", "1,x"]) ==
            "--token-ids: 'x' is not a token id (expected comma-separated integers)")
        #expect(message(["logits", "--model", Self.gpt2, "--token-ids", "1, 2"]) == "accepted")
    }

    @Test func generateNeedsPositiveLength() {
        #expect(message(["generate", "--model", Self.gpt2, "--max-tokens", "0"]) == "--max-tokens must be positive, got 0")
    }

    @Test func tokenIdsParse() throws {
        #expect(try parseTokenIds("3, 1,4", flag: "--token-ids") == [3, 1, 4])
    }
}
