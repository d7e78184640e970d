import Foundation

/// The pairs a `RolePairGenerator` kept, with what it examined and rejected.
public struct RolePairGeneration: Sendable {
    public let pairs: [RolePair]
    public let seed: UInt64
    /// Candidates built and checked to find these pairs.
    public let examined: Int
    /// Rejected candidates by reason.
    public let rejected: [RoleRejection: Int]

    public var rejectedCount: Int { rejected.values.reduce(0, +) }

    /// The pairs as `MinimalPair`s, line numbers as in `jsonl`.
    public var minimalPairs: [MinimalPair] { pairs.enumerated().map { $0.element.minimalPair(line: $0.offset + 1) } }

    /// `PairHash.hex` of the pairs: what `PairSet.hash` gives when the written file is loaded.
    public var hash: String { PairHash.hex(minimalPairs) }

    /// One JSON object a line, each ending in a newline.
    public var jsonl: String { pairs.map { $0.jsonLine + "\n" }.joined() }

    /// "kept 200 of 13512 candidates (seed 0); rejected 13312: 13000 answer not one token in context, …"
    public var summary: String {
        "kept \(pairs.count) of \(examined) candidates (seed \(seed)); rejected \(rejectedCount): "
            + RoleRejection.summary(rejected)
    }

    /// Writes `jsonl` atomically (a temporary file in the same folder, renamed over
    /// `url`), so `url` is either untouched or complete.
    public func write(to url: URL) throws(RolePairError) {
        do {
            try Data(jsonl.utf8).write(to: url, options: .atomic)
        } catch {
            throw .cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}
