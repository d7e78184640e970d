import Attribution
import Circuits
import Foundation

/// The graph file: EAP-IG's `{cfg, nodes, edges}` layout (so EAP-IG's `Graph.from_json`
/// loads it), plus `node_scores` and `meta`. Documented field by field in docs/graph-json.md.
/// Files written by EAP-IG itself have neither `node_scores` nor `meta`, so both are optional
/// when reading; circuitry always writes both.
public struct GraphFile: Codable, Sendable, Equatable {
    public struct Config: Codable, Sendable, Equatable {
        public var nLayers: Int
        public var nHeads: Int
        public var parallelAttnMLP: Bool
        public var dModel: Int

        public init(nLayers: Int, nHeads: Int, parallelAttnMLP: Bool, dModel: Int) {
            self.nLayers = nLayers
            self.nHeads = nHeads
            self.parallelAttnMLP = parallelAttnMLP
            self.dModel = dModel
        }

        enum CodingKeys: String, CodingKey {
            case nLayers = "n_layers", nHeads = "n_heads", parallelAttnMLP = "parallel_attn_mlp", dModel = "d_model"
        }
    }

    public struct Node: Codable, Sendable, Equatable {
        public var inGraph: Bool
        public var score: Double?
        public init(inGraph: Bool, score: Double?) {
            self.inGraph = inGraph
            self.score = score
        }
        enum CodingKeys: String, CodingKey { case inGraph = "in_graph", score }
    }

    public struct Edge: Codable, Sendable, Equatable {
        public var score: Double
        public var inGraph: Bool
        public init(score: Double, inGraph: Bool) {
            self.score = score
            self.inGraph = inGraph
        }
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

        public init(model: String, architecture: String, step: Int? = nil, method: String, metric: String,
                    igSteps: Int? = nil, corrections: [String] = [], cleanMetric: Double, corruptedMetric: Double,
                    pairs: Int, pairsHash: String? = nil, kvHeads: Int, scoreUnits: String = GraphFile.scoreUnits,
                    version: String = GraphFile.version) {
            self.model = model
            self.architecture = architecture
            self.step = step
            self.method = method
            self.metric = metric
            self.igSteps = igSteps
            self.corrections = corrections
            self.cleanMetric = cleanMetric
            self.corruptedMetric = corruptedMetric
            self.pairs = pairs
            self.pairsHash = pairsHash
            self.kvHeads = kvHeads
            self.scoreUnits = scoreUnits
            self.version = version
        }

        /// The provenance of an attribution run.
        public init(_ scores: AttributionScores, model: String, architecture: String, kvHeads: Int,
                    step: Int? = nil, pairsHash: String? = nil) {
            self.init(model: model, architecture: architecture, step: step, method: scores.method.rawValue,
                      metric: scores.metric.rawValue, igSteps: scores.igSteps, corrections: scores.corrections,
                      cleanMetric: scores.cleanMetric, corruptedMetric: scores.corruptedMetric,
                      pairs: scores.pairCount, pairsHash: pairsHash, kvHeads: kvHeads)
        }

        enum CodingKeys: String, CodingKey {
            case model, architecture, step, method, metric, pairs, version, corrections
            case igSteps = "ig_steps", cleanMetric = "clean_metric", corruptedMetric = "corrupted_metric"
            case pairsHash = "pairs_hash", kvHeads = "kv_heads", scoreUnits = "score_units"
        }

        /// `corrections` arrived with the AtP* corrections; files written before them lack it
        /// and mean "none".
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            model = try container.decode(String.self, forKey: .model)
            architecture = try container.decode(String.self, forKey: .architecture)
            step = try container.decodeIfPresent(Int.self, forKey: .step)
            method = try container.decode(String.self, forKey: .method)
            metric = try container.decode(String.self, forKey: .metric)
            igSteps = try container.decodeIfPresent(Int.self, forKey: .igSteps)
            corrections = try container.decodeIfPresent([String].self, forKey: .corrections) ?? []
            cleanMetric = try container.decode(Double.self, forKey: .cleanMetric)
            corruptedMetric = try container.decode(Double.self, forKey: .corruptedMetric)
            pairs = try container.decode(Int.self, forKey: .pairs)
            pairsHash = try container.decodeIfPresent(String.self, forKey: .pairsHash)
            kvHeads = try container.decode(Int.self, forKey: .kvHeads)
            scoreUnits = try container.decode(String.self, forKey: .scoreUnits)
            version = try container.decode(String.self, forKey: .version)
        }
    }

    public var cfg: Config
    public var nodes: [String: Node]
    public var edges: [String: Edge]
    /// Absent in files written by EAP-IG.
    public var nodeScores: [String: Double]?
    /// Absent in files written by EAP-IG.
    public var meta: Meta?

    enum CodingKeys: String, CodingKey { case cfg, nodes, edges, nodeScores = "node_scores", meta }

    public static let scoreUnits = "per pair: mean over pairs of the summed-over-positions estimate (EAP-IG divides once more by its batch size)"
    public static let version = "circuitry 0.1.0"

    public init(cfg: Config, nodes: [String: Node], edges: [String: Edge], nodeScores: [String: Double]?, meta: Meta?) {
        self.cfg = cfg
        self.nodes = nodes
        self.edges = edges
        self.nodeScores = nodeScores
        self.meta = meta
    }

    /// The full graph of an attribution run: every node and edge in the graph, with its score.
    public init(_ scores: AttributionScores, dModel: Int, kvHeads: Int, model: String, architecture: String,
                step: Int? = nil, pairsHash: String? = nil) {
        self.init(Circuit(scores),
                  meta: Meta(scores, model: model, architecture: architecture, kvHeads: kvHeads, step: step,
                             pairsHash: pairsHash),
                  dModel: dModel)
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
        do { return try JSONDecoder().decode(GraphFile.self, from: data) } catch let strictError as DecodingError {
            // EAP-IG marks unscored nodes with NaN, which Python's json writes as a bare `NaN`: not
            // JSON, but JSON5. Only a file that is not strict JSON gets the lenient second reading,
            // and if that fails too the strict reading's message is the one reported.
            if case .dataCorrupted = strictError {
                let lenient = JSONDecoder()
                lenient.allowsJSON5 = true
                if let file = try? lenient.decode(GraphFile.self, from: data) { return file }
            }
            throw GraphFileError(path: url.path, message: GraphFileError.describe(strictError))
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
