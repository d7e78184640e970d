/// One part of a sweep split across machines: checkpoints whose index (in step order) is
/// `index` modulo `count`, so a job array's task i of n takes `--shard i/n`.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Parses `i/n` with 0 ≤ i < n (Slurm's `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` with `--array=0-(n-1)`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0, (0..<count).contains(index) else {
            return nil
        }
        self.index = index
        self.count = count
    }

    public func contains(position: Int) -> Bool { position % count == index }

    public var description: String { "\(index)/\(count)" }
}
