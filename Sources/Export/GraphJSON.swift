import Attribution
import Foundation

/// The graph file: EAP-IG's `{cfg, nodes, edges}` layout (so EAP-IG's `Graph.from_json`
/// loads it), plus `node_scores` and `meta`. Documented field by field in docs/graph-json.md.
public struct GraphFile: Codable, Sendable, Equatable {
    public struct Config: Codable, Sendable, Equatable {
        public var nLayers: Int
        public var nHeads: Int
        public var parallelAttnMLP: Bool
        public var dModel: Int

        enum CodingKeys: String, CodingKey {
            case nLayers = "n_layers", nHeads = "n_heads", parallelAttnMLP = "parallel_attn_mlp", dModel = "d_model"
        }
    }

    public struct Node: Codable, Sendable, Equatable {
        public var inGraph: Bool
        public var score: Double?
        enum CodingKeys: String, CodingKey { case inGraph = "in_graph", score }
    }

    public struct Edge: Codable, Sendable, Equatable {
        public var score: Double
        public var inGraph: Bool
        enum CodingKeys: String, CodingKey { case score, inGraph = "in_graph" }
    }

    /// Provenance: what was scored, how, on what.
    public struct Meta: Codable, Sendable, Equatable {
        public var model: String
        public var architecture: String
        public var step: Int?
        public var method: String
        public var metric: String
        public var igSteps: Int?
        /// AtP* corrections applied: `qk-fix`, `grad-drop`.
        public var corrections: [String]
        public var cleanMetric: Double
        public var corruptedMetric: Double
        public var pairs: Int
        public var pairsHash: String?
        public var kvHeads: Int
        public var scoreUnits: String
        public var version: String

        enum CodingKeys: String, CodingKey {
            case model, architecture, step, method, metric, pairs, version, corrections
            case igSteps = "ig_steps", cleanMetric = "clean_metric", corruptedMetric = "corrupted_metric"
            case pairsHash = "pairs_hash", kvHeads = "kv_heads", scoreUnits = "score_units"
        }
    }

    public var cfg: Config
    public var nodes: [String: Node]
    public var edges: [String: Edge]
    public var nodeScores: [String: Double]
    public var meta: Meta

    enum CodingKeys: String, CodingKey { case cfg, nodes, edges, nodeScores = "node_scores", meta }

    public static let scoreUnits = "per pair: mean over pairs of the summed-over-positions estimate (EAP-IG divides once more by its batch size)"
    public static let version = "circuitry 0.1.0"

    /// The full graph of an attribution run: every node and edge in the graph, with its score.
    public init(_ scores: AttributionScores, dModel: Int, kvHeads: Int, model: String, architecture: String,
                step: Int? = nil, pairsHash: String? = nil) {
        let graph = scores.graph
        cfg = Config(nLayers: graph.layers, nHeads: graph.heads, parallelAttnMLP: graph.parallelResidual, dModel: dModel)
        var nodes: [String: Node] = [:]
        var nodeScores: [String: Double] = [:]
        for source in graph.sources {
            let score = scores.nodeScore(source)
            nodes[source.name] = Node(inGraph: true, score: score)
            nodeScores[source.name] = score
        }
        nodes["logits"] = Node(inGraph: true, score: nil)
        var edges: [String: Edge] = [:]
        if scores.edgeScores != nil {
            for (source, destination) in graph.edges {
                edges[graph.edgeName(source, destination)] = Edge(score: scores.edgeScore(source, destination)!, inGraph: true)
            }
        }
        self.nodes = nodes
        self.edges = edges
        self.nodeScores = nodeScores
        meta = Meta(model: model, architecture: architecture, step: step, method: scores.method.rawValue,
                    metric: scores.metric.rawValue, igSteps: scores.igSteps, corrections: scores.corrections,
                    cleanMetric: scores.cleanMetric,
                    corruptedMetric: scores.corruptedMetric, pairs: scores.pairCount, pairsHash: pairsHash,
                    kvHeads: kvHeads, scoreUnits: Self.scoreUnits, version: Self.version)
    }

    /// Sorted keys, so the same scores always give the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the file atomically: a failure leaves nothing at `url`.
    public func write(to url: URL) throws {
        try jsonData().write(to: url, options: .atomic)
    }

    public static func read(from url: URL) throws -> GraphFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GraphFileError(path: url.path, message: "cannot be read: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(GraphFile.self, from: data) } catch let error as DecodingError {
            throw GraphFileError(path: url.path, message: GraphFileError.describe(error))
        }
    }
}

public struct GraphFileError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "key '\((path(context).isEmpty ? "" : path(context) + "."))\(key.stringValue)' is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return "key '\(path(context))' has the wrong type"
        case let .dataCorrupted(context): return "not valid graph JSON at '\(path(context))': \(context.debugDescription)"
        @unknown default: return "not valid graph JSON"
        }
    }
}
