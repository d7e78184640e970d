import Foundation
import Tensors
import Testing
@testable import Training

@Suite struct BadInputTests {
    @Test func unknownArchitectureOrTaskIsNamed() throws {
        var settings = tinySettings()
        settings.arch = "mamba"
        #expect(throws: TrainingError.invalidSetting(flag: "--arch", message: "unknown architecture \"mamba\" (known: gpt2, gpt_neox, llama)")) {
            try settings.validate()
        }
        settings = tinySettings()
        settings.task = "arithmetic"
        #expect(throws: TrainingError.invalidSetting(flag: "--task", message: "unknown task \"arithmetic\" (known: roles)")) {
            try settings.validate()
        }
        settings = tinySettings()
        settings.heads = 3
        #expect(throws: TrainingError.invalidSetting(flag: "--d-model", message: "16 is not divisible by --heads 3")) {
            try settings.validate()
        }
    }

    @Test func aThreadCountOtherThanTheKernelsIsRefused() throws {
        var settings = tinySettings()
        settings.threads = ComputeThreads.current + 1
        #expect(throws: TrainingError.self) {
            _ = try Trainer(settings: settings, language: roleLanguage, out: temporaryFolder("threads"), resume: false)
        }
    }

    @Test func aNonEmptyOutputFolderNeedsResume() throws {
        let out = temporaryFolder("nonempty")
        defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: out.appendingPathComponent("notes.txt"))
        #expect(throws: TrainingError.outputNotEmpty(folder: out.path, entries: ["notes.txt"])) {
            _ = try Trainer(settings: tinySettings(), language: roleLanguage, out: out, resume: false)
        }
        let error = TrainingError.outputNotEmpty(folder: out.path, entries: ["notes.txt"])
        #expect(error.description.contains("--resume"))
    }

    @Test func resumingNothingOrAnIncompatibleRunIsRefused() throws {
        let out = temporaryFolder("incompatible")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(throws: TrainingError.self) {
            _ = try Trainer(settings: tinySettings(), language: roleLanguage, out: out, resume: true)
        }
        var trainer = try Trainer(settings: tinySettings(), language: roleLanguage, out: out, resume: false)
        try trainer.run(until: 2)
        var other = tinySettings()
        other.seed = 7
        other.dModel = 32
        do {
            _ = try Trainer(settings: other, language: roleLanguage, out: out, resume: true)
            Issue.record("an incompatible resume was accepted")
        } catch let TrainingError.incompatibleResume(checkpoint, differences) {
            #expect(checkpoint.hasSuffix("step2/trainer_state.json"))
            #expect(differences == ["d_model: checkpoint 16, requested 32", "seed: checkpoint 0, requested 7"])
        }
        // Settings that do not change the trajectory may differ.
        var otherLogging = tinySettings()
        otherLogging.logEvery = 1
        otherLogging.optimizerState = "all"
        otherLogging.checkpointSteps = [3, 5]
        let resumed = try Trainer(settings: otherLogging, language: roleLanguage, out: out, resume: true)
        #expect(resumed.step == 2)
    }

    @Test func aCheckpointFolderIsNeverOverwritten() throws {
        let out = temporaryFolder("overwrite")
        defer { try? FileManager.default.removeItem(at: out) }
        var trainer = try Trainer(settings: tinySettings(), language: roleLanguage, out: out, resume: false)
        try trainer.run(until: 2)
        // A checkpoint folder whose state cannot be read is named in the error.
        try Data("{".utf8).write(to: out.appendingPathComponent("step2/trainer_state.json"))
        do {
            _ = try Trainer(settings: tinySettings(), language: roleLanguage, out: out, resume: true)
            Issue.record("a broken trainer_state.json was accepted")
        } catch let TrainingError.checkpoint(file, _) {
            #expect(file.hasSuffix("step2/trainer_state.json"))
        }
    }
}
