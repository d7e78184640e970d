import Foundation

/// Why a file of minimal pairs could not be loaded: every problem found, each
/// naming the file and (for problems in a line) the 1-based line number.
///
/// The description has one problem a line, `pairs.jsonl, line 3: clean and
/// corrupted prompts have different token lengths …`; after the first
/// `shownProblems` it says how many more there are.
public struct PairError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Problem: Sendable, Equatable {
        /// 1-based line number, or nil for a problem with the whole file.
        public let line: Int?
        /// What is wrong, without the file and line.
        public let message: String

        public init(line: Int?, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// The file (as the caller named it).
    public let file: String
    /// The problems, in line order; never empty.
    public let problems: [Problem]

    /// How many problems the description lists before summarising the rest.
    public static let shownProblems = 20

    public init(file: String, problems: [Problem]) {
        precondition(!problems.isEmpty, "a PairError needs at least one problem")
        self.file = file
        self.problems = problems
    }

    public init(file: String, line: Int?, _ message: String) {
        self.init(file: file, problems: [Problem(line: line, message: message)])
    }

    public var description: String {
        var lines = problems.prefix(Self.shownProblems).map { problem in
            problem.line.map { "\(file), line \($0): \(problem.message)" } ?? "\(file): \(problem.message)"
        }
        if problems.count > Self.shownProblems {
            let rest = problems.count - Self.shownProblems
            lines.append("\(file): … and \(rest) more problem\(rest == 1 ? "" : "s")")
        }
        return lines.joined(separator: "\n")
    }
}

extension PairError: LocalizedError {
    public var errorDescription: String? { description }
}
