/// Reads the training step out of a checkpoint folder's name, in the spellings training
/// tools write: `step1000` (Pythia's revisions), `revision=step1000` (Hive-partitioned
/// downloads), `global_step1000` (DeepSpeed, GPT-NeoX), `checkpoint-1000` (transformers'
/// Trainer), and `step_1000`, `step-1000`, `checkpoint_1000`.
public enum StepName {
    /// Prefixes that precede the step's digits; the name must be a prefix followed by digits only.
    public static let prefixes = ["revision=step", "global_step", "checkpoint-", "checkpoint_", "step_", "step-", "step"]

    /// The step a folder name carries, or nil when it is not one of the recognised spellings.
    public static func step(in name: String) -> Int? {
        for prefix in prefixes where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(digits)
        }
        return nil
    }
}
