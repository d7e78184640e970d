import Attribution

/// What changed from circuit A to circuit B of the same model graph: each node and edge of
/// either circuit is kept (in both), added (in B only) or removed (in A only).
///
/// Only circuits of one graph shape are diffed. Between models of different shapes the same
/// name (`a3.h0`) is a different component, so a diff by name would pair unrelated parts;
/// `CrossModelComparison` (`circuitry compare`) aligns layers by depth for that instead.
///
/// Scores come from each circuit's full graph, so a member added in B still has its score in
/// A — how far below A's cut it was.
public struct CircuitDiff: Sendable, Equatable {
    public enum Change: String, Codable, Sendable, CaseIterable {
        case kept, added, removed
    }

    /// A node or edge of either circuit with its score in each graph: nil for `logits`
    /// (never scored) and for edges of a node method (only nodes were scored).
    public struct Member: Codable, Sendable, Equatable {
        public var name: String
        public var change: Change
        public var scoreA: Double?
        public var scoreB: Double?
    }

    /// How many members kept, added and removed, and the Jaccard index of the two member
    /// sets, `kept / (kept + added + removed)`: 1 when both are empty, as `Overlap.jaccard`.
    public struct Counts: Codable, Sendable, Equatable {
        public var kept: Int
        public var added: Int
        public var removed: Int
        public var union: Int { kept + added + removed }
        public var jaccard: Double { union == 0 ? 1 : Double(kept) / Double(union) }

        public init(kept: Int, added: Int, removed: Int) {
            (self.kept, self.added, self.removed) = (kept, added, removed)
        }

        init(_ changes: some Sequence<Change?>) {
            (kept, added, removed) = (0, 0, 0)
            for change in changes {
                switch change {
                case .kept: kept += 1
                case .added: added += 1
                case .removed: removed += 1
                case nil: break
                }
            }
        }
    }

    public let a: Circuit
    public let b: Circuit

    /// - Throws: `CircuitDiffError` when the two circuits come from graphs of different shapes.
    public init(_ a: Circuit, _ b: Circuit) throws(CircuitDiffError) {
        guard a.graph == b.graph else { throw CircuitDiffError(shapeA: a.graph, shapeB: b.graph) }
        self.a = a
        self.b = b
    }

    public var graph: ComponentGraph { a.graph }

    /// The change of a node (`graph.nodeNames` index); nil when it is in neither circuit.
    public func nodeChange(_ index: Int) -> Change? { Self.change(a.nodeIn[index], b.nodeIn[index]) }

    /// The change of an edge slot (`graph.edgeSlot`); nil when it is in neither circuit.
    public func edgeChange(_ slot: Int) -> Change? { Self.change(a.edgeIn[slot], b.edgeIn[slot]) }

    private static func change(_ inA: Bool, _ inB: Bool) -> Change? {
        switch (inA, inB) {
        case (true, true): .kept
        case (false, true): .added
        case (true, false): .removed
        case (false, false): nil
        }
    }

    /// Nodes of either circuit, in `graph.nodeNames` order.
    public var nodes: [Member] {
        graph.nodeNames.indices.compactMap { index in
            nodeChange(index).map { change in
                let scored = index < graph.sourceCount
                return Member(name: graph.nodeNames[index], change: change,
                              scoreA: scored ? a.nodeScores[index] : nil, scoreB: scored ? b.nodeScores[index] : nil)
            }
        }
    }

    /// Edges of either circuit, in EAP-IG's order (`graph.edges`).
    public var edges: [Member] {
        graph.edges.compactMap { source, destination in
            let slot = graph.edgeSlot(source, destination)
            return edgeChange(slot).map { change in
                Member(name: graph.edgeName(source, destination), change: change,
                       scoreA: a.edgeScores?[slot], scoreB: b.edgeScores?[slot])
            }
        }
    }

    /// Heads and MLPs kept, added and removed. Input and logits are in every circuit and are left
    /// out, as in emergence's node Jaccard, so the Jaccard index is that of the components.
    public var nodeCounts: Counts { Counts((1..<graph.sourceCount).lazy.map(nodeChange)) }
    public var edgeCounts: Counts { Counts(a.edgeIn.indices.lazy.map(edgeChange)) }
}

/// Two circuits of differently shaped graphs, which have no diff by name.
public struct CircuitDiffError: Error, Equatable, CustomStringConvertible {
    public let shapeA: ComponentGraph
    public let shapeB: ComponentGraph

    public var description: String {
        "A is a \(shapeA.shapeDescription) and B a \(shapeB.shapeDescription): a diff pairs nodes and edges by name, "
            + "which names the same component only within one model shape; "
            + "`circuitry compare` compares circuits of different models, aligning layers by depth"
    }
}
