import Circuits

extension NamedCircuit {
    /// The circuit a graph file describes, by name: members are the nodes and edges with
    /// `in_graph` true. The file is checked as `GraphFile.circuit(expecting:file:)` checks it;
    /// `path` names the file in errors.
    public init(_ file: GraphFile, path: String) throws(GraphFileError) {
        self.init(try file.circuit(expecting: nil, file: path))
    }
}
