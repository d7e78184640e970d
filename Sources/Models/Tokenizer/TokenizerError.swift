import Foundation

/// Why a `tokenizer.json` could not be loaded.
///
/// The description always names the file, and — when the problem is in the
/// content — the JSON path of the offending key, for example
/// `…/tokenizer.json: pre_tokenizer.type "Foo" is not supported (supported: …)`.
public struct TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that could not be loaded (as given by the caller).
    public let file: String
    /// The JSON path of the offending value (`model.merges[3]`), or nil for whole-file problems.
    public let path: String?
    /// What is wrong, without the file and path.
    public let message: String

    public init(file: String, path: String?, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        if let path, !path.isEmpty {
            return "\(file): \(path) \(message)"
        }
        return "\(file): \(message)"
    }
}

extension TokenizerError: LocalizedError {
    public var errorDescription: String? { description }
}
