/// Two circuits from models of possibly different sizes compared as the paper compares
/// circuits across scale: component overlap after aligning layers by relative depth,
/// spectral similarity of the circuit graphs (which needs no alignment), and plain overlap
/// of nodes and edges by name when the two shapes match.
public struct CrossModelComparison: Codable, Sendable, Equatable {
    public struct Shape: Codable, Sendable, Equatable {
        public var layers: Int
        public var heads: Int
    }

    public var shapeA: Shape
    public var shapeB: Shape
    public var layerRule: String
    public var headRule: String
    public var componentRule = "heads and MLPs (input and logits are in every circuit and left out); "
        + "an aligned component is in a circuit when any component mapping to it is"
    /// Jaccard of the two circuits' aligned components.
    public var componentJaccard: Double
    /// Aligned components in both circuits, in A only, in B only (sorted).
    public var shared: [String]
    public var onlyA: [String]
    public var onlyB: [String]
    /// Nil unless both circuits have edge scores.
    public var spectralSimilarity: Double?
    public var spectralVariant = SpectralSimilarity.variant
    /// Overlap by plain names; nil unless the shapes match.
    public var sameShapeOverlap: CircuitOverlap?

    public init(_ a: NamedCircuit, _ b: NamedCircuit, k: Int) throws(CircuitNameError) {
        let alignment = LayerAlignment(layersA: a.layers, headsA: a.heads, layersB: b.layers, headsB: b.heads)
        shapeA = Shape(layers: a.layers, heads: a.heads)
        shapeB = Shape(layers: b.layers, heads: b.heads)
        layerRule = alignment.layerRule
        headRule = alignment.headRule
        let alignedA = try Self.alignedComponents(a, alignment, fromA: true)
        let alignedB = try Self.alignedComponents(b, alignment, fromA: false)
        componentJaccard = Overlap.jaccard(alignedA, alignedB)
        shared = alignedA.intersection(alignedB).sorted()
        onlyA = alignedA.subtracting(alignedB).sorted()
        onlyB = alignedB.subtracting(alignedA).sorted()
        if a.hasEdgeScores && b.hasEdgeScores { spectralSimilarity = SpectralSimilarity.similarity(a, b) }
        if shapeA == shapeB { sameShapeOverlap = CircuitOverlap(a, b, k: k) }
    }

    private static func alignedComponents(_ circuit: NamedCircuit, _ alignment: LayerAlignment,
                                          fromA: Bool) throws(CircuitNameError) -> Set<String> {
        var aligned: Set<String> = []
        for name in circuit.nodes.sorted() {
            guard let node = NodeName(name) else { throw CircuitNameError(name: name, reason: "is not a node name (input, a{l}.h{h}, m{l}, logits)") }
            if let layer = node.layer, layer >= circuit.layers {
                throw CircuitNameError(name: name, reason: "names layer \(layer) of a \(circuit.layers)-layer model")
            }
            if case let .head(_, head) = node, head >= circuit.heads {
                throw CircuitNameError(name: name, reason: "names head \(head) of a \(circuit.heads)-head model")
            }
            if node.isComponent { aligned.insert(alignment.align(node, fromA: fromA)) }
        }
        return aligned
    }
}

/// A node or edge name that does not fit the circuit's model.
public struct CircuitNameError: Error, Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "'\(name)' \(reason)" }
}
