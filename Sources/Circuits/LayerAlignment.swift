/// Places the components of two models of different shapes in one frame, so their circuits'
/// components can be compared by name (the paper's cross-scale comparison).
///
/// Layers: the frame is the shallower model's layers. Layer l of the deeper model (L layers)
/// maps to round(l · (L' − 1) / (L − 1)) of the shallower (L' layers) — first to first, last to
/// last, in between by relative depth, halves rounded up; several deep layers can land on
/// one. Heads: when both models have the same number of heads, head h stays head h; otherwise
/// heads have no counterpart by index and every head of a layer becomes that layer's
/// attention (`a{l}.h*`). MLPs map with their layer; input and logits map to themselves.
public struct LayerAlignment: Sendable, Equatable {
    public let layersA: Int, headsA: Int
    public let layersB: Int, headsB: Int

    public init(layersA: Int, headsA: Int, layersB: Int, headsB: Int) {
        precondition(layersA > 0 && layersB > 0, "models have at least one layer")
        self.layersA = layersA
        self.headsA = headsA
        self.layersB = layersB
        self.headsB = headsB
    }

    public var commonLayers: Int { min(layersA, layersB) }
    public var headsMatch: Bool { headsA == headsB }

    public var layerRule: String {
        if layersA == layersB { return "same depth (\(layersA) layers): layer l compared with layer l" }
        let (deep, shallow) = (max(layersA, layersB), min(layersA, layersB))
        return "layer l of the \(deep)-layer model maps to round(l·(\(shallow)−1)/(\(deep)−1)) of the "
            + "\(shallow)-layer model (relative depth, halves rounded up)"
    }

    public var headRule: String {
        headsMatch
            ? "same head count (\(headsA)): head h compared with head h of the aligned layer"
            : "head counts differ (\(headsA) vs \(headsB)): heads compared at the layer level (a{l}.h* = any head of layer l)"
    }

    /// The layer in the common frame of a layer of a model with `layers` layers.
    public func align(layer: Int, of layers: Int) -> Int {
        let target = commonLayers
        guard layers > target else { return layer }
        // round(l·(T−1)/(L−1)) with halves up, in integers so it never depends on rounding of a division.
        let numerator = layer * (target - 1), denominator = layers - 1
        return (2 * numerator + denominator) / (2 * denominator)
    }

    /// The name of a node of model A (`fromA`) or B in the common frame.
    public func align(_ node: NodeName, fromA: Bool) -> String {
        let layers = fromA ? layersA : layersB
        switch node {
        case .input, .logits: return node.description
        case let .mlp(l): return NodeName.mlp(layer: align(layer: l, of: layers)).description
        case let .head(l, h):
            let layer = align(layer: l, of: layers)
            return headsMatch ? NodeName.head(layer: layer, head: h).description : "a\(layer).h*"
        }
    }
}
