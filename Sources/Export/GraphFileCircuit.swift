import Attribution
import Circuits

/// Conversion between the graph file and a `Circuit`.
///
/// As in EAP-IG, a file keeps every node and edge of the model's graph with its score;
/// `in_graph` says which of them are in the circuit (all of them for an attribution's full
/// graph). Node methods (`exact`, `atp`) score no edges: their files have no `edges`, and
/// the circuit's edges are then implied by its nodes (every real edge between two nodes
/// that are in).
extension GraphFile {
    /// The file of a circuit: every node and (when scored) every real edge, with `in_graph`
    /// from the circuit's membership.
    public init(_ circuit: Circuit, meta: Meta?, dModel: Int) {
        let graph = circuit.graph
        var nodes: [String: Node] = [:]
        var nodeScores: [String: Double] = [:]
        for (index, source) in graph.sources.enumerated() {
            nodes[source.name] = Node(inGraph: circuit.nodeIn[index], score: circuit.nodeScores[index])
            nodeScores[source.name] = circuit.nodeScores[index]
        }
        nodes["logits"] = Node(inGraph: circuit.nodeIn[circuit.logitsIndex], score: nil)
        var edges: [String: Edge] = [:]
        if let edgeScores = circuit.edgeScores {
            for (source, destination) in graph.edges {
                let slot = graph.edgeSlot(source, destination)
                edges[graph.edgeName(source, destination)] = Edge(score: edgeScores[slot], inGraph: circuit.edgeIn[slot])
            }
        }
        self.init(cfg: Config(nLayers: graph.layers, nHeads: graph.heads, parallelAttnMLP: graph.parallelResidual,
                              dModel: dModel),
                  nodes: nodes, edges: edges, nodeScores: nodeScores, meta: meta)
    }

    /// Reads the circuit back, checking the file against the graph it claims to be.
    ///
    /// - Parameters:
    ///   - expected: the graph of the model the circuit will be used with; a file whose `cfg`
    ///     describes another shape is refused. Nil accepts the shape the file states.
    ///   - dModel: the model's width, checked against `cfg.d_model` when given.
    ///   - file: the path named in error messages.
    /// - Throws: `GraphFileError` for a shape mismatch, unknown or missing node and edge names,
    ///   an edge in the circuit whose node is not, non-finite scores, or a node without a score.
    public func circuit(expecting expected: ComponentGraph?, dModel: Int? = nil, file: String) throws(GraphFileError) -> Circuit {
        func failure(_ message: String) -> GraphFileError { GraphFileError(path: file, message: message) }

        guard cfg.nLayers >= 1, cfg.nHeads >= 1 else {
            throw failure("cfg describes no model (n_layers \(cfg.nLayers), n_heads \(cfg.nHeads))")
        }
        let graph = ComponentGraph(layers: cfg.nLayers, heads: cfg.nHeads, parallelResidual: cfg.parallelAttnMLP)
        if let expected {
            let mismatches = [
                ("n_layers", "\(cfg.nLayers)", "\(expected.layers)"),
                ("n_heads", "\(cfg.nHeads)", "\(expected.heads)"),
                ("parallel_attn_mlp", "\(cfg.parallelAttnMLP)", "\(expected.parallelResidual)"),
            ].filter { $0.1 != $0.2 }
            if let (key, found, wanted) = mismatches.first {
                throw failure("cfg.\(key) is \(found) but the model has \(wanted): the graph comes from another model")
            }
        }
        if let dModel, cfg.dModel != dModel {
            throw failure("cfg.d_model is \(cfg.dModel) but the model has \(dModel): the graph comes from another model")
        }

        // Nodes: each of the graph's nodes exactly once, nothing else.
        let nodeNames = graph.nodeNames
        if let unknown = nodes.keys.filter({ !nodeNames.contains($0) }).min() {
            throw failure("nodes.\(unknown) is not a node of a \(graph.shapeDescription)")
        }
        let missingNodes = nodeNames.filter { nodes[$0] == nil }
        if let first = missingNodes.first {
            throw failure("nodes.\(first) is missing (\(missingNodes.count) of \(nodeNames.count) nodes are)")
        }
        if let nodeScores, let unknown = nodeScores.keys.filter({ !nodeNames.dropLast().contains($0) }).min() {
            throw failure("node_scores.\(unknown) is not a scored node of a \(graph.shapeDescription)")
        }
        let nodeIn = nodeNames.map { nodes[$0]!.inGraph }

        // Edges: either none (a node method) or every real edge exactly once.
        let edgeScores: [Double]?
        var edgeIn: [Bool]
        if edges.isEmpty {
            edgeScores = nil
            edgeIn = graph.edgeMask
            for (source, destination) in graph.edges where !(nodeIn[graph.sourceIndex(source)] && nodeIn[graph.nodeIndex(of: destination)]) {
                edgeIn[graph.edgeSlot(source, destination)] = false
            }
        } else {
            let named = Dictionary(uniqueKeysWithValues: graph.edges.map { (graph.edgeName($0.source, $0.destination), $0) })
            if let unknown = edges.keys.filter({ named[$0] == nil }).min() {
                throw failure("edges.\(unknown) is not an edge of a \(graph.shapeDescription)")
            }
            if edges.count < named.count {
                let first = graph.edges.map { graph.edgeName($0.source, $0.destination) }.first { edges[$0] == nil }!
                throw failure("edges.\(first) is missing (\(named.count - edges.count) of \(named.count) edges are)")
            }
            var scores = [Double](repeating: 0, count: graph.sourceCount * graph.destinationCount)
            edgeIn = [Bool](repeating: false, count: scores.count)
            for (name, edge) in edges.sorted(by: { $0.key < $1.key }) {
                let (source, destination) = named[name]!
                guard edge.score.isFinite else { throw failure("edges.\(name).score is \(edge.score), not a number") }
                if edge.inGraph && !(nodeIn[graph.sourceIndex(source)] && nodeIn[graph.nodeIndex(of: destination)]) {
                    let outside = nodeIn[graph.sourceIndex(source)] ? destination.nodeName : source.name
                    throw failure("edges.\(name) is in the circuit but its node \(outside) is not")
                }
                scores[graph.edgeSlot(source, destination)] = edge.score
                edgeIn[graph.edgeSlot(source, destination)] = edge.inGraph
            }
            edgeScores = scores
        }

        // Node scores: the node's own score, else the flat map, else (EAP-IG's edge-only files)
        // the sum of the node's outgoing edge scores, which is its node attribution score.
        // EAP-IG writes NaN for a node it did not score.
        var nodeScores = [Double](repeating: 0, count: graph.sourceCount)
        for (index, source) in graph.sources.enumerated() {
            if let score = nodes[source.name]?.score, !score.isNaN {
                nodeScores[index] = score
            } else if let score = self.nodeScores?[source.name], !score.isNaN {
                nodeScores[index] = score
            } else if let edgeScores {
                nodeScores[index] = (0..<graph.destinationCount).reduce(0) { $0 + edgeScores[index * graph.destinationCount + $1] }
            } else {
                throw failure("nodes.\(source.name) has no score, and there are no edge scores to derive it from")
            }
            guard nodeScores[index].isFinite else {
                throw failure("nodes.\(source.name).score is \(nodeScores[index]), not a number")
            }
        }

        var circuit = Circuit(graph: graph, nodeScores: nodeScores, edgeScores: edgeScores)
        circuit.nodeIn = nodeIn
        circuit.edgeIn = edgeIn
        return circuit
    }
}
