import Circuits

extension NamedCircuit {
    /// The circuit a graph file describes, by name: members are the nodes and edges with
    /// `in_graph` true, scores come from `node_scores` (else each node's `score`) and every
    /// edge's `score`. Every name must be an EAP-IG node or edge of the file's model shape, so
    /// that layers can be aligned and the graph built; `path` names the file in errors.
    public init(_ file: GraphFile, path: String) throws(GraphFileError) {
        let layers = file.cfg.nLayers, heads = file.cfg.nHeads
        func check(_ name: String, as what: String) throws(GraphFileError) {
            guard let node = NodeName(name) else {
                throw GraphFileError(path: path, message: "\(what) '\(name)' is not a node name (input, a{l}.h{h}, m{l}, logits)")
            }
            if let layer = node.layer, layer >= layers {
                throw GraphFileError(path: path, message: "\(what) '\(name)' names layer \(layer), but cfg.n_layers is \(layers)")
            }
            if case let .head(_, head) = node, head >= heads {
                throw GraphFileError(path: path, message: "\(what) '\(name)' names head \(head), but cfg.n_heads is \(heads)")
            }
        }
        var nodeScores: [String: Double] = [:]
        var nodes: Set<String> = []
        for (name, node) in file.nodes.sorted(by: { $0.key < $1.key }) {
            try check(name, as: "node")
            if let score = file.nodeScores[name] ?? node.score { nodeScores[name] = score }
            if node.inGraph { nodes.insert(name) }
        }
        for name in file.nodeScores.keys.sorted() where file.nodes[name] == nil {
            throw GraphFileError(path: path, message: "node_scores has '\(name)', which is not in nodes")
        }
        var edgeScores: [String: Double] = [:]
        var edges: Set<String> = []
        for (name, edge) in file.edges.sorted(by: { $0.key < $1.key }) {
            guard let parts = EdgeName(name) else {
                throw GraphFileError(path: path, message: "edge '\(name)' is not an edge name (U->D, U->a{l}.h{h}<q|k|v>)")
            }
            try check(parts.source, as: "edge '\(name)': source")
            try check(parts.destination, as: "edge '\(name)': destination")
            edgeScores[name] = edge.score
            if edge.inGraph { edges.insert(name) }
        }
        self.init(layers: layers, heads: heads, nodeScores: nodeScores, edgeScores: edgeScores, nodes: nodes, edges: edges)
    }
}
