/// What can be wrong with a series of checkpoints: the folder or manifest that names them,
/// or the checkpoints themselves not belonging together. The message starts with the path.
public struct CheckpointSeriesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The series folder or manifest, as given.
    public var path: String
    public var kind: Kind

    public init(path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public enum Kind: Equatable, Sendable {
        /// No such file or folder, or it cannot be listed or read.
        case cannotRead(reason: String)
        /// The folder is itself a checkpoint (it holds config.json), not a folder of them.
        case singleCheckpoint
        /// Nothing in the folder looks like a checkpoint; `skipped` says what was seen instead.
        case noCheckpoints(skipped: [String])
        /// Two checkpoints claim the same step.
        case duplicateStep(Int, first: String, second: String)
        /// Checkpoints of different models: architecture, depth, heads or width differ.
        case mixedShapes(first: String, firstShape: String, second: String, secondShape: String)
        /// A line (1-based) of a text manifest that cannot be used.
        case manifestLine(Int, message: String)
        /// A JSON manifest that cannot be used; the message names the entry (0-based).
        case manifestJSON(String)
        /// A checkpoint's config.json failed to load.
        case config(CheckpointError)
    }

    public var description: String {
        switch kind {
        case let .cannotRead(reason):
            return "\(path): cannot read: \(reason)"
        case .singleCheckpoint:
            return "\(path): this folder is a single checkpoint (it holds config.json); give the folder that holds "
                + "the step folders, or a manifest"
        case let .noCheckpoints(skipped):
            var text = "\(path): no recognisable checkpoints; expected folders named step1000, checkpoint-1000, "
                + "global_step1000 or revision=step1000 holding config.json, or a manifest file (path step per line)"
            if !skipped.isEmpty { text += "; skipped: " + skipped.joined(separator: "; ") }
            return text
        case let .duplicateStep(step, first, second):
            return "\(path): step \(step) is claimed by both \(first) and \(second); remove one or list the series in a manifest"
        case let .mixedShapes(first, firstShape, second, secondShape):
            return "\(path): checkpoints of different models cannot form a series: \(first) is \(firstShape) but "
                + "\(second) is \(secondShape)"
        case let .manifestLine(line, message):
            return "\(path): line \(line): \(message)"
        case let .manifestJSON(message):
            return "\(path): \(message)"
        case let .config(error):
            return error.description
        }
    }
}
