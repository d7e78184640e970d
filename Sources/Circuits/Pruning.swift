import Attribution

/// How a scored graph is cut down to a circuit.
public enum PruningRule: Sendable, Equatable, CustomStringConvertible {
    /// The K heads/MLPs with the largest |node score|, every edge among them, input and logits.
    case topNodes(Int)
    /// The N edges with the largest |edge score| and their endpoints.
    case topEdges(Int)
    /// The fewest heads/MLPs whose |node scores| add up to share P of the total.
    case cumulative(Double)
    /// EAP-IG's greedy growth from the logits: repeatedly take the largest-|score| edge
    /// into a node already in the circuit, until N edges are in.
    case greedy(Int)

    public var description: String {
        switch self {
        case let .topNodes(k): "top-nodes \(k)"
        case let .topEdges(n): "top-edges \(n)"
        case let .cumulative(p): "cumulative \(p)"
        case let .greedy(n): "greedy \(n)"
        }
    }

    /// Rules that rank edges need edge scores.
    public var needsEdgeScores: Bool {
        switch self {
        case .topEdges, .greedy: true
        case .topNodes, .cumulative: false
        }
    }
}

/// The outcome of pruning: the circuit and what was dropped for having no path from
/// input to logits.
public struct PruningResult: Sendable, Equatable {
    public var circuit: Circuit
    public var rule: PruningRule
    /// Heads/MLPs and edges the rule picked that were dropped as dangling.
    public var droppedNodes: Int
    public var droppedEdges: Int
    /// Why the circuit has fewer components than asked for, if it does.
    public var shortfall: String?
}

public enum PruningError: Error, Equatable, CustomStringConvertible {
    case needsEdgeScores(PruningRule, method: String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .needsEdgeScores(rule, method):
            "\(rule) ranks edges, but this graph has node scores only (method \(method)); use --top-nodes or --cumulative"
        case let .invalid(message): message
        }
    }
}

extension Circuit {
    /// A circuit cut from this (full) scored graph by `rule`, dangling parts dropped.
    public func pruned(_ rule: PruningRule, method: String = "unknown") throws(PruningError) -> PruningResult {
        if rule.needsEdgeScores, edgeScores == nil { throw .needsEdgeScores(rule, method: method) }
        var circuit = self
        var shortfall: String?
        let components = Array(1..<graph.sourceCount)
        switch rule {
        case let .topNodes(k):
            guard k >= 0 else { throw .invalid("--top-nodes must be at least 0, got \(k)") }
            if k > components.count { shortfall = "the model has only \(components.count) heads and MLPs" }
            circuit.keepNodes(Set(rankedComponents().prefix(k)))
        case let .cumulative(share):
            guard share > 0, share <= 1 else { throw .invalid("--cumulative must be in (0, 1], got \(share)") }
            circuit.keepNodes(Set(cumulativeComponents(share: share)))
        case let .topEdges(n):
            guard n >= 0 else { throw .invalid("--top-edges must be at least 0, got \(n)") }
            let real = graph.edgeMask.count { $0 }
            if n > real { shortfall = "the graph has only \(real) edges" }
            circuit.keepEdges(rankedEdges().prefix(n))
        case let .greedy(n):
            guard n >= 0 else { throw .invalid("--greedy must be at least 0, got \(n)") }
            circuit.keepEdges(greedyEdges(count: n))
        }
        let before = (circuit.componentCount, circuit.edgeCount)
        circuit.dropDangling()
        let dropped = (before.0 - circuit.componentCount, before.1 - circuit.edgeCount)
        if case let .topNodes(k) = rule, dropped.0 > 0, shortfall == nil {
            shortfall = "\(dropped.0) of the \(k) components had no path from input to logits"
        }
        return PruningResult(circuit: circuit, rule: rule, droppedNodes: dropped.0, droppedEdges: dropped.1,
                             shortfall: shortfall)
    }

    /// Heads and MLPs (source indices) by decreasing |node score|; ties keep graph order.
    public func rankedComponents() -> [Int] {
        (1..<graph.sourceCount).sorted { a, b in
            let (x, y) = (abs(nodeScores[a]), abs(nodeScores[b]))
            return x != y ? x > y : a < b
        }
    }

    /// Real edge slots by decreasing |edge score|; ties keep slot order. Empty without edge scores.
    public func rankedEdges() -> [Int] {
        guard let edgeScores else { return [] }
        let mask = graph.edgeMask
        return mask.indices.filter { mask[$0] }.sorted { a, b in
            let (x, y) = (abs(edgeScores[a]), abs(edgeScores[b]))
            return x != y ? x > y : a < b
        }
    }

    /// The shortest prefix of the ranked components holding `share` of the total |node score|.
    func cumulativeComponents(share: Double) -> [Int] {
        let ranked = rankedComponents()
        let total = ranked.reduce(0) { $0 + abs(nodeScores[$1]) }
        guard total > 0 else { return [] }
        var held = 0.0
        for (count, index) in ranked.enumerated() {
            held += abs(nodeScores[index])
            // A relative tolerance so that share 1 is reached despite rounding in the sum.
            if held >= share * total * (1 - 1e-12) { return Array(ranked.prefix(count + 1)) }
        }
        return ranked
    }

    /// EAP-IG's greedy search: start from the logits; the candidates are the edges into
    /// nodes already in; take the largest |score|, add its source, repeat.
    func greedyEdges(count: Int) -> [Int] {
        guard let edgeScores else { return [] }
        let columns = graph.destinationCount
        let destinations = graph.destinations
        // Destination columns of each node (a head's q, k, v inputs; an MLP's input; logits).
        var columnsOfNode = [[Int]](repeating: [], count: graph.sourceCount + 1)
        for (j, destination) in destinations.enumerated() { columnsOfNode[graph.nodeIndex(of: destination)].append(j) }
        var reached = [Bool](repeating: false, count: graph.sourceCount + 1)
        var candidates: [Int] = []
        func open(_ node: Int) {
            reached[node] = true
            for j in columnsOfNode[node] {
                for s in 0..<graph.upstreamCount(of: destinations[j]) { candidates.append(s * columns + j) }
            }
        }
        open(logitsIndex)
        var chosen: [Int] = []
        while chosen.count < count, !candidates.isEmpty {
            // Linear scan: circuits are small and the candidate list is a few thousand at most.
            var best = 0
            for i in candidates.indices.dropFirst() {
                let (x, y) = (abs(edgeScores[candidates[i]]), abs(edgeScores[candidates[best]]))
                if x > y || (x == y && candidates[i] < candidates[best]) { best = i }
            }
            let slot = candidates.remove(at: best)
            chosen.append(slot)
            let source = slot / columns
            if !reached[source] { open(source) }
        }
        return chosen
    }

    /// Keeps these components (source indices), input and logits, and every edge among them.
    mutating func keepNodes(_ kept: Set<Int>) {
        for i in 1..<graph.sourceCount { nodeIn[i] = kept.contains(i) }
        nodeIn[0] = true
        nodeIn[logitsIndex] = true
        let columns = graph.destinationCount
        let mask = graph.edgeMask
        let destinationNodes = graph.destinations.map { graph.nodeIndex(of: $0) }
        for slot in edgeIn.indices {
            edgeIn[slot] = mask[slot] && nodeIn[slot / columns] && nodeIn[destinationNodes[slot % columns]]
        }
    }

    /// Keeps these edge slots and their endpoints, with input and logits.
    mutating func keepEdges<S: Sequence<Int>>(_ kept: S) {
        edgeIn = Array(repeating: false, count: edgeIn.count)
        nodeIn = Array(repeating: false, count: nodeIn.count)
        nodeIn[0] = true
        nodeIn[logitsIndex] = true
        let columns = graph.destinationCount
        let destinations = graph.destinations
        for slot in kept {
            edgeIn[slot] = true
            nodeIn[slot / columns] = true
            nodeIn[graph.nodeIndex(of: destinations[slot % columns])] = true
        }
    }

    /// Drops every head/MLP without a path from input through the circuit's edges, or
    /// without a path from it to the logits, and every edge touching one. Input and
    /// logits stay. Sources are in topological order, which makes two sweeps enough.
    public mutating func dropDangling() {
        let columns = graph.destinationCount
        let destinations = graph.destinations
        let destinationNodes = destinations.map { graph.nodeIndex(of: $0) }
        var columnsOfNode = [[Int]](repeating: [], count: graph.sourceCount + 1)
        for (j, node) in destinationNodes.enumerated() { columnsOfNode[node].append(j) }

        // Forward: a node is fed when an in-circuit edge reaches it from a fed node.
        var fed = [Bool](repeating: false, count: graph.sourceCount + 1)
        fed[0] = nodeIn[0]
        for node in 1...logitsIndex where nodeIn[node] {
            fed[node] = columnsOfNode[node].contains { j in
                (0..<graph.upstreamCount(of: destinations[j])).contains { s in fed[s] && edgeIn[s * columns + j] }
            }
        }
        // Backward: a node is read when an in-circuit edge leaves it to a read node.
        var read = [Bool](repeating: false, count: graph.sourceCount + 1)
        read[logitsIndex] = nodeIn[logitsIndex]
        for node in stride(from: graph.sourceCount - 1, through: 0, by: -1) where nodeIn[node] {
            read[node] = (0..<columns).contains { j in edgeIn[node * columns + j] && read[destinationNodes[j]] }
        }
        for node in 1..<graph.sourceCount { nodeIn[node] = nodeIn[node] && fed[node] && read[node] }
        for slot in edgeIn.indices where edgeIn[slot] {
            edgeIn[slot] = nodeIn[slot / columns] && nodeIn[destinationNodes[slot % columns]]
        }
    }
}
