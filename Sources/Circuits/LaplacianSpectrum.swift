/// The eigenvalues of the symmetric normalised Laplacian `L = I − D^{-1/2} W D^{-1/2}` of a
/// circuit graph: nodes are the circuit's nodes, the graph is undirected, and the weight
/// between two nodes is the sum of |score| of the circuit's edges joining them (a head's
/// `<q>`, `<k>` and `<v>` inputs from one source are one connection).
///
/// An isolated node (degree 0) gets L_uu = 0 (Chung's convention), so it adds one eigenvalue
/// 0 like any other connected component: the multiplicity of 0 is the number of components.
/// The eigenvalues lie in [0, 2] whatever the graph's size, and multiplying every weight by
/// the same factor leaves them unchanged, so spectra of models whose scores differ in scale
/// compare directly.
public struct LaplacianSpectrum: Sendable, Equatable {
    /// Ascending.
    public let eigenvalues: [Double]

    public init(eigenvalues: [Double]) {
        self.eigenvalues = eigenvalues.sorted()
    }

    /// The spectrum of an undirected weighted graph. Weights of repeated pairs add up; a pair
    /// naming a node outside `nodes` adds that node.
    public init(nodes: [String], edges: [(String, String, weight: Double)]) {
        var index: [String: Int] = [:]
        for name in (Set(nodes).union(edges.flatMap { [$0.0, $0.1] })).sorted() { index[name] = index.count }
        let n = index.count
        var w = Array(repeating: 0.0, count: n * n)
        for (u, v, weight) in edges where u != v {
            let i = index[u]!, j = index[v]!
            w[i * n + j] += abs(weight)
            w[j * n + i] += abs(weight)
        }
        var inverseRootDegree = Array(repeating: 0.0, count: n)
        for i in 0..<n {
            let degree = (0..<n).reduce(0.0) { $0 + w[i * n + $1] }
            if degree > 0 { inverseRootDegree[i] = 1 / degree.squareRoot() }
        }
        var laplacian = Array(repeating: 0.0, count: n * n)
        for i in 0..<n {
            laplacian[i * n + i] = inverseRootDegree[i] > 0 ? 1 : 0
            for j in 0..<n where j != i && w[i * n + j] != 0 {
                laplacian[i * n + j] = -w[i * n + j] * inverseRootDegree[i] * inverseRootDegree[j]
            }
        }
        self.init(eigenvalues: SymmetricEigenvalues.of(laplacian, size: n))
    }

    /// The spectrum of a circuit's graph: its member nodes and member edges weighted by |score|.
    /// Edge names that are not `U->D` are left out.
    public init(_ circuit: NamedCircuit) {
        let edges = circuit.edges.sorted().compactMap { name -> (String, String, weight: Double)? in
            guard let edge = EdgeName(name) else { return nil }
            return (edge.source, edge.destination, weight: circuit.edgeScores[name] ?? 0)
        }
        self.init(nodes: Array(circuit.nodes), edges: edges)
    }
}
