import Attribution
import Models

/// One circuit extraction: attribution over the pairs, pruning to a circuit, faithfulness
/// by patched runs and concentration, with timings. `circuitry extract` writes its files;
/// `circuitry emergence` runs one per checkpoint.
public struct Extraction {
    public struct Options: Sendable {
        public var method: AttributionMethod = .eapIG
        public var metric: Metric = .logitDiff
        public var igSteps = 5
        public var rule: PruningRule = .topNodes(28)
        /// Patched-run level for faithfulness; nil: edges when the method scores edges, else nodes.
        public var level: AblationLevel?
        /// Sizes for the faithfulness curve (CPR/CMD); empty: no curve.
        public var curveFractions: [Double] = []

        public init() {}
    }

    public let scores: AttributionScores
    public let full: Circuit
    public let pruning: PruningResult
    public let faithfulness: FaithfulnessReport
    public let curve: FaithfulnessCurve?
    public let summary: ExtractionSummary

    /// Runs everything; `progress(stage, done, total)` reports each stage's units of work.
    public init(model: Transformer, batches: [PairBatch], options: Options,
                progress: ((String, Int, Int) -> Void)? = nil) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let attributor = Attributor(model: model, method: options.method, metric: options.metric, igSteps: options.igSteps)
        scores = try attributor.run(batches) { progress?("attribution", $0, $1) }
        let attributed = clock.now
        full = Circuit(scores)
        pruning = try full.pruned(options.rule, method: options.method.rawValue)
        let level = options.level ?? (options.method.scoresEdges ? .edges : .nodes)
        let evaluator = FaithfulnessEvaluator(model: model, metric: options.metric)
        faithfulness = try evaluator.evaluate([pruning.circuit], level: level, batches: batches) { progress?("faithfulness", $0, $1) }
        curve = options.curveFractions.isEmpty ? nil
            : try evaluator.curve(full, fractions: options.curveFractions, level: level, batches: batches) { progress?("curve", $0, $1) }
        let finished = clock.now
        summary = ExtractionSummary(
            scores: scores, pruning: pruning, faithfulness: faithfulness, curve: curve,
            seconds: .init(attribution: (attributed - start).seconds, faithfulness: (finished - attributed).seconds,
                           total: (finished - start).seconds))
    }
}

/// The numbers of an extraction, as `summary.json` carries them.
public struct ExtractionSummary: Sendable, Equatable, Codable {
    public struct Metrics: Sendable, Equatable, Codable {
        public let name: String
        public let clean: Double
        public let corrupted: Double
    }

    public struct Sizes: Sendable, Equatable, Codable {
        public let rule: String
        public let components: Int
        public let edges: Int
        public let graphComponents: Int
        public let graphEdges: Int
        public let droppedDanglingComponents: Int
        public let droppedDanglingEdges: Int
        public let shortfall: String?
    }

    public struct Faithfulness: Sendable, Equatable, Codable {
        public let level: AblationLevel
        /// m(M), m(∅), m(C), F = (m(C) − m(∅)) / (m(M) − m(∅)).
        public let full: Double
        public let empty: Double
        public let circuit: Double
        /// nil when m(M) = m(∅): the pairs do not separate clean from corrupted.
        public let faithfulness: Double?
        public let curve: FaithfulnessCurve?
    }

    public struct ConcentrationFigures: Sendable, Equatable, Codable {
        /// What is ranked: heads and MLPs by |node score|.
        public let over: String
        /// Smallest k with C(k) ≥ 0.9, nil when every score is zero.
        public let k90: Int?
        /// C(28): the semantic-role paper's circuit size.
        public let shareTop28: Double
        public let curve: [Double]
        /// The same over edges, for edge methods.
        public let edgesK90: Int?
        public let edgesShareTop28: Double?
    }

    public struct Seconds: Sendable, Equatable, Codable {
        public let attribution: Double
        public let faithfulness: Double
        public let total: Double
    }

    public let method: String
    public let metric: Metrics
    public let pairs: Int
    public let sizes: Sizes
    public let faithfulness: Faithfulness
    public let concentration: ConcentrationFigures
    public let seconds: Seconds

    init(scores: AttributionScores, pruning: PruningResult, faithfulness report: FaithfulnessReport,
         curve: FaithfulnessCurve?, seconds: Seconds) {
        let circuit = pruning.circuit, graph = circuit.graph
        method = scores.method.rawValue
        metric = Metrics(name: scores.metric.rawValue, clean: scores.cleanMetric, corrupted: scores.corruptedMetric)
        pairs = scores.pairCount
        sizes = Sizes(rule: pruning.rule.description, components: circuit.componentCount, edges: circuit.edgeCount,
                      graphComponents: graph.sourceCount - 1, graphEdges: graph.edges.count,
                      droppedDanglingComponents: pruning.droppedNodes, droppedDanglingEdges: pruning.droppedEdges,
                      shortfall: pruning.shortfall)
        faithfulness = Faithfulness(level: report.level, full: report.full, empty: report.empty, circuit: report.circuits[0],
                                    faithfulness: report.faithfulness(0).isFinite ? report.faithfulness(0) : nil, curve: curve)
        let nodes = Concentration(components: circuit)
        let edges = Concentration(edges: circuit)
        concentration = ConcentrationFigures(over: "heads and MLPs by |node score|", k90: nodes.smallestK(),
                                             shareTop28: nodes.share(top: 28), curve: nodes.curve,
                                             edgesK90: edges?.smallestK(), edgesShareTop28: edges?.share(top: 28))
        self.seconds = seconds
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
