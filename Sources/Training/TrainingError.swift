/// Errors of `circuitry train`, each naming the flag, file or key at fault.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A setting (named as its command-line flag) has a value training cannot use.
    case invalidSetting(flag: String, message: String)
    /// The output folder already holds files and `--resume` was not given.
    case outputNotEmpty(folder: String, entries: [String])
    /// `--resume` found no checkpoint to continue from.
    case nothingToResume(folder: String, reason: String)
    /// The checkpoint resumed from was made with settings that differ from the ones given.
    case incompatibleResume(checkpoint: String, differences: [String])
    /// A checkpoint file is missing or cannot be read.
    case checkpoint(file: String, message: String)
    /// The role templates cannot make a trainable language.
    case roleLanguage(String)

    public var description: String {
        switch self {
        case let .invalidSetting(flag, message):
            return "\(flag): \(message)"
        case let .outputNotEmpty(folder, entries):
            let shown = entries.prefix(5).joined(separator: ", ") + (entries.count > 5 ? ", …" : "")
            return "\(folder) is not empty (\(shown)); pass --resume to continue the run in it, or choose another --out"
        case let .nothingToResume(folder, reason):
            return "--resume: nothing to resume in \(folder): \(reason)"
        case let .incompatibleResume(checkpoint, differences):
            return "--resume: \(checkpoint) was trained with other settings, so continuing it would not be the same run:\n  "
                + differences.joined(separator: "\n  ")
                + "\n(give the same flags as the original run, or choose another --out)"
        case let .checkpoint(file, message):
            return "\(file): \(message)"
        case let .roleLanguage(message):
            return "role language: \(message)"
        }
    }
}
