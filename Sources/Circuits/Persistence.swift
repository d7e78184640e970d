/// When each node of the final circuit settled in: which components come first.
public struct NodePersistence: Codable, Sendable, Equatable {
    public var node: String
    /// The first step from which the node is in every circuit up to and including the final
    /// one; nil when it is in the final circuit only (it has not persisted yet).
    public var stableFrom: Int?
    /// The first step at which the node is in the circuit at all (it may leave and come back).
    public var firstIn: Int
    /// How many checkpoints' circuits hold the node.
    public var checkpointsIn: Int

    public init(node: String, stableFrom: Int?, firstIn: Int, checkpointsIn: Int) {
        self.node = node
        self.stableFrom = stableFrom
        self.firstIn = firstIn
        self.checkpointsIn = checkpointsIn
    }

    /// Persistence of every node of the last circuit of `series` (ordered by step), earliest
    /// settled first, then by name; nodes that have not persisted come last.
    public static func of(_ series: [(step: Int, nodes: Set<String>)]) -> [NodePersistence] {
        guard let final = series.last else { return [] }
        let result = final.nodes.map { node -> NodePersistence in
            let membership = series.map { $0.nodes.contains(node) }
            // Walk back from the final checkpoint while the node stays in.
            var start = series.count - 1
            while start > 0 && membership[start - 1] { start -= 1 }
            return NodePersistence(node: node, stableFrom: start < series.count - 1 ? series[start].step : nil,
                                   firstIn: series[membership.firstIndex(of: true)!].step,
                                   checkpointsIn: membership.count { $0 })
        }
        return result.sorted { a, b in
            switch (a.stableFrom, b.stableFrom) {
            case let (x?, y?) where x != y: x < y
            case (.some, nil): true
            case (nil, .some): false
            default: a.node < b.node
            }
        }
    }
}
