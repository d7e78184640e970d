import ArgumentParser
import Foundation
import Tensors
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small model natively on the role language, saving Hugging Face checkpoints over training.",
        discussion: """
            Sentences in active, passive and dative voice (circuits/roles/, the pair generator's data), each followed \
            by a question about the agent or the patient and its answer. AdamW with linear warm-up and cosine decay, \
            global-norm clipping, cross-entropy on the answer token (or every token). Writes DIR/step{N}/ \
            (config.json, model.safetensors, tokenizer.json, trainer_state.json, optimizer.safetensors) atomically \
            at step 0, every --checkpoint-every steps (or at --checkpoint-steps) and at the last step. The same \
            flags and --threads give byte-identical checkpoints; --resume continues from the newest complete one. \
            See docs/training.md.
            """)

    @Option(help: "The task: roles.") var task = "roles"
    @Option(help: "Architecture: gpt2, gpt_neox or llama.") var arch = "gpt2"
    @Option(help: "Transformer blocks.") var layers = 2
    @Option(help: "Attention heads per block.") var heads = 4
    @Option(name: .customLong("d-model"), help: "Residual stream width.") var dModel = 64
    @Option(name: .customLong("context-length"), help: "Positions of the model.") var contextLength = 64
    @Option(help: "Optimiser updates.") var steps = 3000
    @Option(name: .customLong("batch-size"), help: "Questions per update.") var batchSize = 64
    @Option(help: "Peak learning rate.") var lr = 3e-3
    @Option(name: .customLong("min-lr"), help: "Learning rate at the last step (cosine floor).") var minLR = 3e-4
    @Option(help: "Linear warm-up steps.") var warmup = 100
    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay (matrices and embeddings only).")
    var weightDecay = 0.1
    @Option(help: "AdamW β₁.") var beta1 = 0.9
    @Option(help: "AdamW β₂.") var beta2 = 0.98
    @Option(help: "AdamW ε (added outside the square root, as PyTorch).") var eps = 1e-8
    @Option(name: .customLong("grad-clip"), help: "Clip the global gradient norm to this (0: off).") var gradClip = 1.0
    @Option(name: .customLong("loss-on"), help: "Tokens the loss is taken on: answer or all.") var lossOn = "answer"
    @Option(help: "Seed of initialisation and batches.") var seed: UInt64 = 0
    @Option(help: "Compute threads (default: all cores). Results are deterministic for a given count.") var threads: Int?
    @Option(name: .customLong("held-out"), help: "Held-out questions role accuracy is measured on.") var heldOut = 512
    @Option(name: .customLong("checkpoint-every"), help: "Save a checkpoint every this many steps.") var checkpointEvery = 250
    @Option(name: .customLong("checkpoint-steps"),
            help: ArgumentHelp("Save exactly at these steps instead (comma-separated, e.g. 0,50,100,200).", valueName: "list"))
    var checkpointSteps: String?
    @Option(name: .customLong("log-every"), help: "A progress line (with held-out accuracy) every this many steps.")
    var logEvery = 50
    @Option(name: .customLong("optimizer-state"),
            help: "Keep optimizer.safetensors in the newest checkpoint only (last) or in all of them (all).")
    var optimizerState = "last"
    @Option(help: ArgumentHelp("A templates file (default: circuits/roles/templates.json of this repository).", valueName: "file"))
    var templates: String?
    @Option(help: ArgumentHelp("The run folder (new or empty, unless --resume).", valueName: "dir")) var out: String
    @Flag(help: "Continue the run in --out from its newest complete checkpoint.") var resume = false

    func validate() throws {
        _ = try settings()
    }

    func settings() throws -> TrainingSettings {
        var s = TrainingSettings()
        s.task = task
        s.arch = arch
        s.layers = layers
        s.heads = heads
        s.dModel = dModel
        s.contextLength = contextLength
        s.steps = steps
        s.batchSize = batchSize
        s.learningRate = lr
        s.minLearningRate = minLR
        s.warmupSteps = warmup
        s.gradClip = gradClip
        guard let lossOn = TrainingSettings.LossOn(rawValue: lossOn) else {
            throw ValidationError("--loss-on: must be answer or all, got \"\(lossOn)\"")
        }
        s.lossOn = lossOn
        s.seed = seed
        s.adamw = AdamW.Hyperparameters(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        s.heldOutExamples = heldOut
        s.threads = threads ?? ComputeThreads.available
        s.checkpointEvery = checkpointEvery
        if let checkpointSteps {
            let parts = checkpointSteps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = parts.compactMap { Int($0) }
            guard numbers.count == parts.count else {
                throw ValidationError("--checkpoint-steps: \"\(checkpointSteps)\" is not a comma-separated list of steps")
            }
            s.checkpointSteps = numbers
        }
        s.logEvery = logEvery
        s.optimizerState = optimizerState
        try s.validate()
        return s
    }

    func run() throws {
        let settings = try settings()
        guard let file = templates.map({ URL(fileURLWithPath: $0) }) ?? Pairs.Roles.defaultTemplates() else {
            throw ValidationError("circuits/roles/templates.json was not found above the current folder or the executable; "
                                  + "give --templates FILE")
        }
        let language = try RoleLanguage(templatesFile: file)
        ComputeThreads.set(settings.threads)
        var trainer = try Trainer(settings: settings, language: language, out: URL(fileURLWithPath: out), resume: resume)
        let stderr = FileHandle.standardError
        if trainer.isFinished {
            stderr.write(Data("\(out): already trained to step \(settings.steps); nothing to do\n".utf8))
            return
        }
        stderr.write(Data(("training \(settings.arch) (\(settings.layers) layers, \(settings.heads) heads, d_model \(settings.dModel), "
            + "\(trainer.parameters.values.reduce(0) { $0 + $1.count }) parameters, vocabulary \(language.vocabularySize)) on the role "
            + "language, \(settings.steps) steps from step \(trainer.step), seed \(settings.seed), \(settings.threads) threads\n").utf8))
        try trainer.run { line in stderr.write(Data((line + "\n").utf8)) }
    }
}
