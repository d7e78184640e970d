import Foundation

/// `trainer_state.json` of a checkpoint folder `step{N}/`. The top-level `step`, `loss` and
/// `role_accuracy` are what series tools read; the rest documents the run and lets it resume
/// (with `optimizer.safetensors`). No wall-clock values, so equal runs write equal bytes.
public struct TrainerState: Codable, Sendable, Equatable {
    public static let fileName = "trainer_state.json"
    public static let currentFormat = "circuitry-trainer-state-1"

    /// One progress record (a progress line, or a checkpoint).
    public struct LogEntry: Codable, Sendable, Equatable {
        public var step: Int
        /// Mean training loss over the updates since the previous record (the step-0 record: the
        /// initial model's loss on the first batch).
        public var loss: Double
        public var roleAccuracy: Double
        public var answerAccuracy: Double
        public var heldOutLoss: Double
        public var learningRate: Double
        public var gradNorm: Double?

        enum CodingKeys: String, CodingKey {
            case step, loss
            case roleAccuracy = "role_accuracy"
            case answerAccuracy = "answer_accuracy"
            case heldOutLoss = "held_out_loss"
            case learningRate = "learning_rate"
            case gradNorm = "grad_norm"
        }
    }

    public var format = Self.currentFormat
    /// Updates taken: the model in this folder is the one after `step` AdamW steps.
    public var step: Int
    /// Mean training loss since the previous checkpoint.
    public var loss: Double
    /// Held-out role questions where the answer's logit beats the foil's (the other participant): chance 0.5.
    public var roleAccuracy: Double
    /// Held-out role questions whose answer is the top token of the whole vocabulary.
    public var answerAccuracy: Double
    /// Mean cross-entropy of the answer token on the held-out questions.
    public var heldOutLoss: Double
    public var heldOutExamples: Int
    public var examplesSeen: Int
    /// Real (non-padding) tokens fed through the model in training.
    public var tokensSeen: Int
    public var seed: UInt64
    public var threads: Int
    public var settings: TrainingSettings
    /// Every progress record so far, oldest first.
    public var logHistory: [LogEntry]

    enum CodingKeys: String, CodingKey {
        case format, step, loss, seed, threads, settings
        case roleAccuracy = "role_accuracy"
        case answerAccuracy = "answer_accuracy"
        case heldOutLoss = "held_out_loss"
        case heldOutExamples = "held_out_examples"
        case examplesSeen = "examples_seen"
        case tokensSeen = "tokens_seen"
        case logHistory = "log_history"
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func load(_ url: URL) throws(TrainingError) -> TrainerState {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .checkpoint(file: url.path, message: "cannot be read (\(error.localizedDescription))")
        }
        do {
            let state = try JSONDecoder().decode(TrainerState.self, from: data)
            guard state.format == currentFormat else {
                throw TrainingError.checkpoint(file: url.path, message: "format is \"\(state.format)\", expected \"\(currentFormat)\"")
            }
            return state
        } catch let error as TrainingError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw .checkpoint(file: url.path, message: "key '\(path)' is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .checkpoint(file: url.path, message: "key '\(path)': \(context.debugDescription)")
        } catch {
            throw .checkpoint(file: url.path, message: "\(error)")
        }
    }
}
