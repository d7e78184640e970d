import Foundation
import Models

/// Everything that decides a training run, as written into `trainer_state.json` (snake_case keys).
/// Two runs with equal settings (and thread count) produce byte-identical checkpoints.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public enum LossOn: String, Codable, Sendable, CaseIterable {
        /// Cross-entropy on the answer token only (the role question).
        case answer
        /// Cross-entropy on every next token of the sentence, question and answer.
        case all
    }

    public static let tasks = ["roles"]
    public static let architectures = ["gpt2", "gpt_neox", "llama"]

    public var task = "roles"
    public var arch = "gpt2"
    public var layers = 2
    public var heads = 4
    public var dModel = 64
    /// Positions of the model (`n_positions` / `max_position_embeddings`).
    public var contextLength = 64
    public var steps = 3000
    public var batchSize = 64
    public var learningRate = 3e-3
    public var minLearningRate = 3e-4
    public var warmupSteps = 100
    public var gradClip = 1.0
    public var lossOn = LossOn.answer
    public var seed: UInt64 = 0
    public var adamw = AdamW.Hyperparameters()
    /// Held-out questions the role accuracy is measured on.
    public var heldOutExamples = 512

    // Settings that do not change the trajectory (a resume may change them).
    /// Compute threads (results are deterministic for a given count).
    public var threads = 1
    /// Checkpoint every this many updates (besides step 0 and the last step), unless `checkpointSteps` is given.
    public var checkpointEvery = 250
    /// Explicit checkpoint steps (e.g. denser early), instead of `checkpointEvery`.
    public var checkpointSteps: [Int]?
    /// Progress line (and held-out evaluation) every this many updates.
    public var logEvery = 50
    /// Keep `optimizer.safetensors` in every checkpoint (`all`) or only in the newest (`last`, enough to resume).
    public var optimizerState = "last"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case task, arch, layers, heads, steps, seed, adamw, threads
        case dModel = "d_model"
        case contextLength = "context_length"
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case minLearningRate = "min_learning_rate"
        case warmupSteps = "warmup_steps"
        case gradClip = "grad_clip"
        case lossOn = "loss_on"
        case heldOutExamples = "held_out_examples"
        case checkpointEvery = "checkpoint_every"
        case checkpointSteps = "checkpoint_steps"
        case logEvery = "log_every"
        case optimizerState = "optimizer_state"
    }

    /// Keys a resumed run may change: they do not alter the parameters it reaches.
    static let nonTrajectoryKeys: Set<String> = ["threads", "checkpoint_every", "checkpoint_steps", "log_every", "optimizer_state"]

    /// Checks every value, naming the flag of the first bad one.
    public func validate() throws(TrainingError) {
        func fail(_ flag: String, _ message: String) -> TrainingError { .invalidSetting(flag: flag, message: message) }
        guard Self.tasks.contains(task) else {
            throw fail("--task", "unknown task \"\(task)\" (known: \(Self.tasks.joined(separator: ", ")))")
        }
        guard Self.architectures.contains(arch) else {
            throw fail("--arch", "unknown architecture \"\(arch)\" (known: \(Self.architectures.joined(separator: ", ")))")
        }
        for (flag, value) in [("--layers", layers), ("--heads", heads), ("--d-model", dModel), ("--steps", steps),
                              ("--batch-size", batchSize), ("--threads", threads), ("--checkpoint-every", checkpointEvery),
                              ("--log-every", logEvery), ("--held-out", heldOutExamples), ("--context-length", contextLength)]
        where value <= 0 {
            throw fail(flag, "must be positive, got \(value)")
        }
        guard dModel % heads == 0 else { throw fail("--d-model", "\(dModel) is not divisible by --heads \(heads)") }
        guard (dModel / heads) % 2 == 0 || arch == "gpt2" else {
            throw fail("--d-model", "rotary embeddings need an even head width; \(dModel)/\(heads) = \(dModel / heads)")
        }
        guard warmupSteps >= 0, warmupSteps < steps else { throw fail("--warmup", "must be in 0..<--steps (\(steps)), got \(warmupSteps)") }
        guard learningRate > 0, minLearningRate >= 0, minLearningRate <= learningRate else {
            throw fail("--lr", "needs 0 ≤ --min-lr (\(minLearningRate)) ≤ --lr (\(learningRate)) and --lr > 0")
        }
        guard gradClip >= 0 else { throw fail("--grad-clip", "must be ≥ 0 (0 turns clipping off), got \(gradClip)") }
        guard adamw.weightDecay >= 0 else { throw fail("--weight-decay", "must be ≥ 0, got \(adamw.weightDecay)") }
        guard ["last", "all"].contains(optimizerState) else {
            throw fail("--optimizer-state", "must be \"last\" or \"all\", got \"\(optimizerState)\"")
        }
        if let checkpointSteps {
            guard !checkpointSteps.isEmpty else { throw fail("--checkpoint-steps", "is empty") }
            if let bad = checkpointSteps.first(where: { $0 < 0 || $0 > steps }) {
                throw fail("--checkpoint-steps", "step \(bad) is outside 0...\(steps) (--steps)")
            }
        }
    }

    /// The steps that get a checkpoint folder: step 0, the schedule, and always the last step.
    public var checkpointSchedule: [Int] {
        let chosen = checkpointSteps ?? Array(stride(from: 0, through: steps, by: checkpointEvery))
        return Array(Set(chosen + [steps])).sorted()
    }

    /// The model's `config.json` for a vocabulary of `vocabSize` (bos id 1, eos id 2 as the tokenizer file).
    public func modelConfig(vocabSize: Int) throws(TrainingError) -> ModelConfig {
        let config: ModelConfig
        switch arch {
        case "gpt2":
            config = .gpt2(GPT2Config(nEmbd: dModel, nLayer: layers, nHead: heads, vocabSize: vocabSize,
                                      nPositions: contextLength, bosTokenID: 1, eosTokenIDs: [2]))
        case "gpt_neox":
            config = .gptNeoX(GPTNeoXConfig(hiddenSize: dModel, numHiddenLayers: layers, numAttentionHeads: heads,
                                            intermediateSize: 4 * dModel, vocabSize: vocabSize,
                                            maxPositionEmbeddings: contextLength, bosTokenID: 1, eosTokenIDs: [2]))
        case "llama":
            config = .llama(LlamaConfig(hiddenSize: dModel, intermediateSize: 4 * dModel, numHiddenLayers: layers,
                                        numAttentionHeads: heads, vocabSize: vocabSize,
                                        maxPositionEmbeddings: contextLength, bosTokenID: 1, eosTokenIDs: [2]))
        default:
            throw .invalidSetting(flag: "--arch", message: "unknown architecture \"\(arch)\"")
        }
        do {
            try config.validate(path: "config.json")
        } catch {
            throw .invalidSetting(flag: "--arch \(arch)", message: "the model shape is not valid: \(error)")
        }
        return config
    }

    /// "key: saved → requested" for every trajectory setting that differs from `saved`.
    func differences(from saved: TrainingSettings) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func fields(_ s: TrainingSettings) -> [String: String] {
            guard let data = try? encoder.encode(s),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            var out: [String: String] = [:]
            for (key, value) in object {
                let json = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                out[key] = json.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
            return out
        }
        let (mine, theirs) = (fields(self), fields(saved))
        return Set(mine.keys).union(theirs.keys).subtracting(Self.nonTrajectoryKeys).sorted().compactMap { key in
            mine[key] == theirs[key] ? nil : "\(key): checkpoint \(theirs[key] ?? "absent"), requested \(mine[key] ?? "absent")"
        }
    }
}
