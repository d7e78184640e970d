import Models

/// The component graph of EAP-IG: which components' outputs are scored (sources)
/// and which inputs read the residual stream (destinations), in EAP-IG's order, so
/// score matrices and graph files line up one-to-one with the Python tools.
///
/// Sources: `input`, then per layer the heads `a{l}.h{h}` and the MLP `m{l}`.
/// Destinations: per layer the q inputs of every head, then the k inputs, the v
/// inputs, the MLP input; finally `logits`. Each query head has its own k and v
/// inputs even under grouped-query attention.
public struct ComponentGraph: Sendable, Equatable {
    public let layers: Int
    public let heads: Int
    /// GPT-NeoX's parallel residual: no edge from a layer's heads to its own MLP.
    public let parallelResidual: Bool

    public init(layers: Int, heads: Int, parallelResidual: Bool) {
        self.layers = layers
        self.heads = heads
        self.parallelResidual = parallelResidual
    }

    public init(_ model: Transformer) {
        self.init(layers: model.dims.layers, heads: model.dims.heads, parallelResidual: model.parallelResidual)
    }

    public enum Source: Hashable, Sendable {
        case input
        case head(layer: Int, head: Int)
        case mlp(layer: Int)

        public var name: String {
            switch self {
            case .input: "input"
            case let .head(l, h): "a\(l).h\(h)"
            case let .mlp(l): "m\(l)"
            }
        }
    }

    public enum Destination: Hashable, Sendable {
        public enum Role: String, Sendable, CaseIterable { case q, k, v }
        case head(layer: Int, head: Int, Role)
        case mlp(layer: Int)
        case logits

        /// The node this input belongs to.
        public var nodeName: String {
            switch self {
            case let .head(l, h, _): "a\(l).h\(h)"
            case let .mlp(l): "m\(l)"
            case .logits: "logits"
            }
        }
    }

    public var sourceCount: Int { 1 + layers * (heads + 1) }
    public var destinationCount: Int { layers * (3 * heads + 1) + 1 }

    public func sourceIndex(_ source: Source) -> Int {
        switch source {
        case .input: 0
        case let .head(l, h): 1 + l * (heads + 1) + h
        case let .mlp(l): 1 + l * (heads + 1) + heads
        }
    }

    public func destinationIndex(_ destination: Destination) -> Int {
        switch destination {
        case let .head(l, h, role): l * (3 * heads + 1) + Destination.Role.allCases.firstIndex(of: role)! * heads + h
        case let .mlp(l): l * (3 * heads + 1) + 3 * heads
        case .logits: layers * (3 * heads + 1)
        }
    }

    public var sources: [Source] {
        [.input] + (0..<layers).flatMap { l in (0..<heads).map { Source.head(layer: l, head: $0) } + [.mlp(layer: l)] }
    }

    public var destinations: [Destination] {
        (0..<layers).flatMap { l in
            Destination.Role.allCases.flatMap { role in (0..<heads).map { Destination.head(layer: l, head: $0, role) } }
                + [.mlp(layer: l)]
        } + [.logits]
    }

    /// Sources whose outputs reach `destination` through the residual stream: the
    /// first `count` sources in order.
    public func upstreamCount(of destination: Destination) -> Int {
        switch destination {
        case let .head(l, _, _): 1 + l * (heads + 1)
        case let .mlp(l): 1 + l * (heads + 1) + (parallelResidual ? 0 : heads)
        case .logits: sourceCount
        }
    }

    /// EAP-IG's edge name: `U->D`, with `<q>`, `<k>` or `<v>` for head inputs.
    public func edgeName(_ source: Source, _ destination: Destination) -> String {
        if case let .head(_, _, role) = destination { return "\(source.name)->\(destination.nodeName)<\(role.rawValue)>" }
        return "\(source.name)->\(destination.nodeName)"
    }

    /// Every real edge, source-major in EAP-IG's order.
    public var edges: [(source: Source, destination: Destination)] {
        destinations.flatMap { d in sources.prefix(upstreamCount(of: d)).map { (source: $0, destination: d) } }
    }

    /// Node names in EAP-IG's order, logits last.
    public var nodeNames: [String] { sources.map(\.name) + ["logits"] }
}
