import ArgumentParser
import Foundation
import Testing
@testable import circuitry

/// `circuitry train`: bad flags are named before anything is written, and a used folder needs --resume.
@Suite("Train command")
struct TrainCommandTests {
    func message(_ arguments: [String]) -> String {
        do {
            var command = try Circuitry.parseAsRoot(arguments)
            try command.run()
            return "accepted"
        } catch {
            return Circuitry.message(for: error)
        }
    }

    @Test func unknownArchitectureTaskAndLossAreNamed() {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-train-cli-\(UUID().uuidString)").path
        #expect(message(["train", "--arch", "rwkv", "--out", out]) == "--arch: unknown architecture \"rwkv\" (known: gpt2, gpt_neox, llama)")
        #expect(message(["train", "--task", "copy", "--out", out]) == "--task: unknown task \"copy\" (known: roles)")
        #expect(message(["train", "--loss-on", "some", "--out", out]) == "--loss-on: must be answer or all, got \"some\"")
        #expect(message(["train", "--checkpoint-steps", "0,x", "--out", out]) ==
            "--checkpoint-steps: \"0,x\" is not a comma-separated list of steps")
        #expect(message(["train", "--steps", "10", "--warmup", "2", "--checkpoint-steps", "0,20", "--out", out]) ==
            "--checkpoint-steps: step 20 is outside 0...10 (--steps)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aUsedFolderNeedsResume() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-train-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let tiny = ["train", "--layers", "1", "--heads", "2", "--d-model", "8", "--steps", "2", "--warmup", "1",
                    "--batch-size", "4", "--held-out", "8", "--out", out.path]  // default --threads: the process-wide count other suites use
        #expect(message(tiny) == "accepted")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("step2/model.safetensors").path))
        #expect(message(tiny).contains("is not empty"))
        #expect(message(tiny + ["--resume"]) == "accepted")   // already at the last step: nothing to do
    }
}
