import Foundation
import Models
import Tensors
import Testing
@testable import Training

@Suite struct TrainerTests {
    @Test func twoRunsWithTheSameSeedAndThreadsWriteIdenticalCheckpoints() throws {
        let (a, b) = (temporaryFolder("det-a"), temporaryFolder("det-b"))
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        for folder in [a, b] {
            var trainer = try Trainer(settings: tinySettings(), language: roleLanguage, out: folder, resume: false)
            try trainer.run()
        }
        let (first, second) = (try contents(of: a), try contents(of: b))
        #expect(first.keys.sorted() == ["/step0/config.json", "/step0/model.safetensors", "/step0/tokenizer.json",
                                        "/step0/tokenizer_config.json", "/step0/trainer_state.json",
                                        "/step2/config.json", "/step2/model.safetensors", "/step2/tokenizer.json",
                                        "/step2/tokenizer_config.json", "/step2/trainer_state.json",
                                        "/step4/config.json", "/step4/model.safetensors", "/step4/tokenizer.json",
                                        "/step4/tokenizer_config.json", "/step4/trainer_state.json",
                                        "/step6/config.json", "/step6/model.safetensors", "/step6/optimizer.safetensors",
                                        "/step6/tokenizer.json", "/step6/tokenizer_config.json", "/step6/trainer_state.json"])
        #expect(first == second)
        // Training moved the weights.
        #expect(first["/step0/model.safetensors"] != first["/step6/model.safetensors"])
        // A different seed gives a different run.
        let c = temporaryFolder("det-c")
        defer { try? FileManager.default.removeItem(at: c) }
        var settings = tinySettings()
        settings.seed = 1
        var trainer = try Trainer(settings: settings, language: roleLanguage, out: c, resume: false)
        try trainer.run()
        #expect(try contents(of: c)["/step6/model.safetensors"] != first["/step6/model.safetensors"])
    }

    @Test(arguments: ["gpt2", "gpt_neox", "llama"])
    func anInterruptedRunResumedEqualsTheUninterruptedOne(arch: String) throws {
        let (whole, interrupted) = (temporaryFolder("whole-\(arch)"), temporaryFolder("cut-\(arch)"))
        defer { try? FileManager.default.removeItem(at: whole); try? FileManager.default.removeItem(at: interrupted) }
        var trainer = try Trainer(settings: tinySettings(arch: arch), language: roleLanguage, out: whole, resume: false)
        try trainer.run()

        var first = try Trainer(settings: tinySettings(arch: arch), language: roleLanguage, out: interrupted, resume: false)
        try first.run(until: 5)   // stops after step 5: step4 is the newest checkpoint, step 5's update is lost
        #expect(CheckpointFolders(root: interrupted).steps() == [0, 2, 4])
        // A staging folder left by a crash mid-write is cleaned up, never mistaken for a checkpoint.
        try FileManager.default.createDirectory(at: interrupted.appendingPathComponent(".staging-step6-1"), withIntermediateDirectories: true)
        var resumed = try Trainer(settings: tinySettings(arch: arch), language: roleLanguage, out: interrupted, resume: true)
        #expect(resumed.step == 4)
        try resumed.run()
        #expect(try contents(of: interrupted) == contents(of: whole))
        // The checkpoints load as models.
        let model = try LoadedModel(directory: whole.appendingPathComponent("step6"))
        #expect(model.config.modelType == arch)
        let state = try TrainerState.load(whole.appendingPathComponent("step6/trainer_state.json"))
        #expect(state.step == 6 && state.threads == ComputeThreads.current && state.logHistory.map(\.step) == [0, 2, 4, 6])
    }

    @Test func trainingLowersTheLoss() throws {
        let out = temporaryFolder("loss")
        defer { try? FileManager.default.removeItem(at: out) }
        var settings = tinySettings()
        settings.steps = 40
        settings.checkpointSteps = [0, 40]
        settings.logEvery = 40
        settings.learningRate = 1e-2
        settings.minLearningRate = 1e-3
        settings.warmupSteps = 5
        var trainer = try Trainer(settings: settings, language: roleLanguage, out: out, resume: false)
        try trainer.run()
        let start = try TrainerState.load(out.appendingPathComponent("step0/trainer_state.json"))
        let end = try TrainerState.load(out.appendingPathComponent("step40/trainer_state.json"))
        #expect(end.heldOutLoss < start.heldOutLoss - 0.5)
        #expect(end.loss < start.loss)
    }
}
