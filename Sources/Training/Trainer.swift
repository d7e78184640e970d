import Foundation
import Models
import Tensors

/// Trains a small model natively on the role language with AdamW (warm-up + cosine schedule,
/// global-norm clipping), writing a Hugging Face checkpoint folder `step{N}/` at each scheduled
/// step. Deterministic for settings + thread count (`ComputeThreads`, set by the caller); `resume` continues from the newest complete
/// checkpoint and reaches the same bytes as an uninterrupted run.
public struct Trainer {
    public let settings: TrainingSettings
    public let language: RoleLanguage
    public let config: ModelConfig
    public let folders: CheckpointFolders
    let heldOut: [RoleLanguage.Example]
    let schedule: LearningRateSchedule
    /// Parameters that get weight decay: matrices and embeddings, not biases or norm scales.
    let decayed: Set<String>

    public private(set) var step = 0
    public private(set) var parameters: [String: Tensor]
    var optimizer: AdamW
    var logHistory: [TrainerState.LogEntry] = []
    var examplesSeen = 0
    var tokensSeen = 0

    /// Prepares a run in `out`. Without `resume` the folder must be empty or absent; with it, the newest
    /// complete checkpoint is loaded and must have been made with the same trajectory settings.
    public init(settings: TrainingSettings, language: RoleLanguage, out: URL, resume: Bool) throws {
        try settings.validate()
        self.settings = settings
        self.language = language
        config = try settings.modelConfig(vocabSize: language.vocabularySize)
        folders = CheckpointFolders(root: out)
        heldOut = try language.heldOutSet(count: settings.heldOutExamples)
        schedule = LearningRateSchedule(peak: settings.learningRate, minimum: settings.minLearningRate,
                                        warmupSteps: settings.warmupSteps, totalSteps: settings.steps)
        decayed = Set(config.parameterSpecs.filter { $0.kind == .weight }.map(\.name))
        // The thread count is process-wide (ComputeThreads); the caller sets it (the CLI from --threads), and the
        // trainer only checks it, so what trainer_state.json records is what the kernels used.
        guard settings.threads == ComputeThreads.current else {
            throw TrainingError.invalidSetting(
                flag: "--threads", message: "is \(settings.threads), but the kernels use \(ComputeThreads.current) "
                    + "(call ComputeThreads.set(\(settings.threads)) before training)")
        }

        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: out.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw TrainingError.invalidSetting(flag: "--out", message: "\(out.path) is a file, not a folder")
        }
        let entries = folders.entries()
        if !resume {
            guard entries.isEmpty else { throw TrainingError.outputNotEmpty(folder: out.path, entries: entries) }
            parameters = config.initialParameters(seed: settings.seed)
            optimizer = AdamW(hyperparameters: settings.adamw)
            return
        }
        guard let last = folders.lastResumable() else {
            throw TrainingError.nothingToResume(
                folder: out.path, reason: entries.isEmpty ? "the folder is empty or absent"
                    : "no step{N} folder holds trainer_state.json, model.safetensors and optimizer.safetensors")
        }
        let stateFile = folders.folder(step: last).appendingPathComponent(TrainerState.fileName)
        let saved = try TrainerState.load(stateFile)
        let differences = settings.differences(from: saved.settings)
        guard differences.isEmpty else { throw TrainingError.incompatibleResume(checkpoint: stateFile.path, differences: differences) }
        let tokenizerFile = folders.folder(step: last).appendingPathComponent("tokenizer.json")
        guard (try? Data(contentsOf: tokenizerFile)) == language.tokenizerFile.jsonData() else {
            throw TrainingError.incompatibleResume(
                checkpoint: tokenizerFile.path,
                differences: ["the role language's vocabulary differs from this checkpoint's (were circuits/roles/ or --templates changed?)"])
        }
        let loaded = try folders.load(step: last, config: config, hyperparameters: settings.adamw)
        parameters = loaded.parameters
        optimizer = loaded.optimizer
        step = last
        logHistory = saved.logHistory
        examplesSeen = saved.examplesSeen
        tokensSeen = saved.tokensSeen
    }

    /// True when the run has reached its last step.
    public var isFinished: Bool { step >= settings.steps }

    /// Trains to the last step (or stops after step `until`, as an interrupted run would), checkpointing
    /// on schedule; `progress` gets one line per record.
    public mutating func run(until: Int? = nil, progress: (String) -> Void = { _ in }) throws {
        let last = min(until ?? settings.steps, settings.steps)
        folders.removeStaging()
        try FileManager.default.createDirectory(at: folders.root, withIntermediateDirectories: true)
        let checkpoints = Set(settings.checkpointSchedule)
        var window = (loss: 0.0, updates: 0)
        let clock = ContinuousClock()
        var windowStart = clock.now
        var windowTokens = 0

        if step == 0, folders.steps().isEmpty {
            // Step 0: the initial model, its loss on the first batch (no update).
            let (batch, targets, _) = try Objective.batch(
                language.trainingBatch(step: 0, seed: settings.seed, size: settings.batchSize),
                lossOn: settings.lossOn, padId: language.tokenizerFile.padId)
            let initialLoss = try Objective.lossAndGradients(parameters: parameters, config: config, batch: batch, targets: targets).loss
            try record(loss: initialLoss, gradNorm: nil, checkpoint: checkpoints.contains(0), progress: progress, speed: nil)
        }
        while step < last {
            let examples = try language.trainingBatch(step: step, seed: settings.seed, size: settings.batchSize)
            let (batch, targets, tokens) = try Objective.batch(examples, lossOn: settings.lossOn, padId: language.tokenizerFile.padId)
            let (loss, norm) = try update(batch: batch, targets: targets)
            examplesSeen += examples.count
            tokensSeen += tokens
            windowTokens += tokens
            window.loss += loss
            window.updates += 1
            let isCheckpoint = checkpoints.contains(step)
            if isCheckpoint || step % settings.logEvery == 0 {
                let seconds = (clock.now - windowStart) / .seconds(1)
                try record(loss: window.loss / Double(window.updates), gradNorm: norm, checkpoint: isCheckpoint,
                           progress: progress, speed: Double(windowTokens) / max(seconds, 1e-9))
                window = (0, 0)
                windowTokens = 0
                windowStart = clock.now
            }
        }
    }

    /// One optimisation step on `batch`: forward and backward of the mean cross-entropy of `targets`
    /// (−100: no loss), global-norm clipping, AdamW at the scheduled rate. Returns the loss and the
    /// gradient norm before clipping.
    public mutating func update(batch: TokenBatch, targets: [Int]) throws -> (loss: Double, gradNorm: Double) {
        var (loss, gradients) = try Objective.lossAndGradients(parameters: parameters, config: config, batch: batch, targets: targets)
        let norm = try clipGradientNorm(&gradients, maxNorm: settings.gradClip)
        try optimizer.update(&parameters, gradients: gradients, lr: schedule.rate(at: step), decayed: decayed)
        step += 1
        return (loss, norm)
    }

    /// Measures the held-out questions, adds a log record, prints it, and writes the checkpoint when due.
    mutating func record(loss: Double, gradNorm: Double?, checkpoint: Bool, progress: (String) -> Void, speed: Double?) throws {
        let measured = try Objective.measure(parameters: parameters, config: config, examples: heldOut,
                                             padId: language.tokenizerFile.padId)
        let rate = step == 0 ? 0 : schedule.rate(at: step - 1)
        let entry = TrainerState.LogEntry(step: step, loss: loss, roleAccuracy: measured.roleAccuracy,
                                          answerAccuracy: measured.answerAccuracy, heldOutLoss: measured.loss,
                                          learningRate: rate, gradNorm: gradNorm)
        logHistory.append(entry)
        var line = "step \(step)/\(settings.steps)  loss \(String(format: "%.4f", loss))  held-out role accuracy "
            + String(format: "%.1f%%", 100 * measured.roleAccuracy)
            + String(format: " (answer top-1 %.1f%%, loss %.4f)", 100 * measured.answerAccuracy, measured.loss)
            + String(format: "  lr %.2e", rate)
        if let gradNorm { line += String(format: "  grad-norm %.3f", gradNorm) }
        if let speed { line += String(format: "  %.0f tok/s", speed) }
        if checkpoint {
            let state = TrainerState(step: step, loss: loss, roleAccuracy: measured.roleAccuracy,
                                     answerAccuracy: measured.answerAccuracy, heldOutLoss: measured.loss,
                                     heldOutExamples: heldOut.count, examplesSeen: examplesSeen, tokensSeen: tokensSeen,
                                     seed: settings.seed, threads: settings.threads, settings: settings, logHistory: logHistory)
            try folders.write(step: step, config: config, parameters: parameters, tokenizer: language.tokenizerFile,
                              state: state, optimizer: optimizer)
            if settings.optimizerState == "last" { folders.dropOptimizerState(before: step) }
            line += "  → \(folders.folder(step: step).path)"
        }
        progress(line)
    }
}
