import Foundation
import Models
import Tensors

/// The run folder: one Hugging Face checkpoint folder `step{N}/` per saved step, each written
/// in a hidden staging folder and renamed into place, so a `step{N}` folder is always complete.
public struct CheckpointFolders: Sendable {
    public static let optimizerFileName = "optimizer.safetensors"
    static let stagingPrefix = ".staging-step"

    public let root: URL

    public init(root: URL) { self.root = root }

    public func folder(step: Int) -> URL { root.appendingPathComponent("step\(step)") }

    /// Visible entries of the folder (a missing folder has none).
    public func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Steps of the `step{N}` folders, ascending.
    public func steps() -> [Int] {
        entries().compactMap { name in
            guard name.hasPrefix("step"), let n = Int(name.dropFirst(4)), n >= 0, name == "step\(n)" else { return nil }
            return n
        }.sorted()
    }

    /// Removes staging folders an interrupted run left behind.
    public func removeStaging() {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in all where name.hasPrefix(Self.stagingPrefix) {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(name))
        }
    }

    /// The newest step folder a run can continue from (trainer state, weights and optimizer state present).
    public func lastResumable() -> Int? {
        steps().last { step in
            let folder = self.folder(step: step)
            return [TrainerState.fileName, Checkpoint.weightsFileName, Self.optimizerFileName].allSatisfy {
                FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
            }
        }
    }

    /// Writes `step{N}/` all or nothing: the files go to a staging folder, which is renamed into place.
    public func write(step: Int, config: ModelConfig, parameters: [String: Tensor], tokenizer: WordLevelTokenizerFile,
                      state: TrainerState, optimizer: AdamW?) throws {
        let final = folder(step: step)
        guard !FileManager.default.fileExists(atPath: final.path) else {
            throw TrainingError.checkpoint(file: final.path, message: "already exists; a checkpoint is never overwritten")
        }
        let staging = root.appendingPathComponent("\(Self.stagingPrefix)\(step)-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try config.jsonData().write(to: staging.appendingPathComponent(Checkpoint.configFileName))
            try SafeTensorsWriter.write(parameters, to: staging.appendingPathComponent(Checkpoint.weightsFileName))
            try tokenizer.jsonData().write(to: staging.appendingPathComponent("tokenizer.json"))
            try tokenizer.configData().write(to: staging.appendingPathComponent("tokenizer_config.json"))
            if let optimizer {
                var moments: [String: Tensor] = [:]
                for (name, p) in parameters {
                    moments["exp_avg.\(name)"] = try Tensor(shape: p.shape, storage: optimizer.firstMoments[name] ?? .init(repeating: 0, count: p.count))
                    moments["exp_avg_sq.\(name)"] = try Tensor(shape: p.shape, storage: optimizer.secondMoments[name] ?? .init(repeating: 0, count: p.count))
                }
                try SafeTensorsWriter.write(moments, metadata: ["format": "pt", "step": String(optimizer.step)],
                                            to: staging.appendingPathComponent(Self.optimizerFileName))
            }
            // The trainer state last: its presence marks the staged folder complete.
            try state.jsonData().write(to: staging.appendingPathComponent(TrainerState.fileName))
            guard rename(staging.path, final.path) == 0 else {
                throw TrainingError.checkpoint(file: final.path, message: "cannot rename the staged folder into place: "
                                               + String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Deletes the optimizer state of every checkpoint before `step` (`--optimizer-state last`).
    public func dropOptimizerState(before step: Int) {
        for earlier in steps() where earlier < step {
            try? FileManager.default.removeItem(at: folder(step: earlier).appendingPathComponent(Self.optimizerFileName))
        }
    }

    /// Reads a checkpoint to continue from: parameters, optimizer moments and trainer state.
    public func load(step: Int, config: ModelConfig, hyperparameters: AdamW.Hyperparameters)
        throws -> (parameters: [String: Tensor], optimizer: AdamW, state: TrainerState) {
        let folder = self.folder(step: step)
        let state = try TrainerState.load(folder.appendingPathComponent(TrainerState.fileName))
        let savedConfig = try ModelConfig.load(directory: folder)
        guard savedConfig == config else {
            throw TrainingError.incompatibleResume(checkpoint: folder.appendingPathComponent("config.json").path,
                                                   differences: ["config.json differs from the model these flags make"])
        }
        let weights = try SafeTensorsFile(path: folder.appendingPathComponent(Checkpoint.weightsFileName).path)
        let moments = try SafeTensorsFile(path: folder.appendingPathComponent(Self.optimizerFileName).path)
        var parameters: [String: Tensor] = [:]
        var first: [String: [Float]] = [:], second: [String: [Float]] = [:]
        for spec in config.parameterSpecs {
            parameters[spec.name] = try weights.tensor(spec.name, shape: spec.shape)
            first[spec.name] = try moments.tensor("exp_avg.\(spec.name)", shape: spec.shape).storage
            second[spec.name] = try moments.tensor("exp_avg_sq.\(spec.name)", shape: spec.shape).storage
        }
        guard let optimizerStep = moments.metadata["step"].flatMap(Int.init), optimizerStep == state.step else {
            throw TrainingError.checkpoint(file: folder.appendingPathComponent(Self.optimizerFileName).path,
                                           message: "metadata \"step\" is \(moments.metadata["step"] ?? "missing"), expected \(state.step)")
        }
        let optimizer = AdamW(hyperparameters: hyperparameters, step: optimizerStep, firstMoments: first, secondMoments: second)
        return (parameters, optimizer, state)
    }
}
