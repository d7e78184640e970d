import Foundation

/// What extraction measured at one checkpoint; every field is optional so statistics can be
/// computed from circuits alone and the measurements filled in as they exist.
public struct StepMeasurements: Codable, Sendable, Equatable {
    public var cleanMetric: Double?
    public var corruptedMetric: Double?
    /// Normalised faithfulness F(C) of this step's own circuit.
    public var faithfulness: Double?
    /// F of the final checkpoint's circuit evaluated on this checkpoint.
    public var finalCircuitFaithfulness: Double?
    /// Smallest k whose top-k |scores| reach 90% of the total.
    public var concentrationK90: Int?

    public init(cleanMetric: Double? = nil, corruptedMetric: Double? = nil, faithfulness: Double? = nil,
                finalCircuitFaithfulness: Double? = nil, concentrationK90: Int? = nil) {
        self.cleanMetric = cleanMetric
        self.corruptedMetric = corruptedMetric
        self.faithfulness = faithfulness
        self.finalCircuitFaithfulness = finalCircuitFaithfulness
        self.concentrationK90 = concentrationK90
    }
}

/// One checkpoint of a series: its step, its circuit, its measurements.
public struct EmergencePoint: Sendable, Equatable {
    public var step: Int
    public var circuit: NamedCircuit
    public var measurements: StepMeasurements

    public init(step: Int, circuit: NamedCircuit, measurements: StepMeasurements = StepMeasurements()) {
        self.step = step
        self.circuit = circuit
        self.measurements = measurements
    }
}

/// One row per checkpoint: its measurements, its circuit's size, and how its circuit relates
/// to the previous checkpoint's and to the final one.
public struct EmergenceRow: Codable, Sendable, Equatable {
    public var step: Int
    public var measurements: StepMeasurements
    public var nodes: Int
    public var edges: Int
    /// Heads and MLPs.
    public var components: Int
    /// Against the previous checkpoint (nil for the first).
    public var vsPrevious: CircuitOverlap?
    public var spectralVsPrevious: Double?
    /// Against the final checkpoint (the final row compares with itself).
    public var vsFinal: CircuitOverlap
    public var spectralVsFinal: Double?
    /// 1 − node Jaccard with the previous checkpoint: the share of the node set that changed.
    public var nodeChange: Double?
    /// `nodeChange` per decade of training: divided by log10(1 + step) − log10(1 + previous step).
    public var nodeChangePerDecade: Double?
}

/// Every checkpoint pair compared, each matrix symmetric with ones on its diagonal.
public struct PairwiseMatrices: Codable, Sendable, Equatable {
    public var nodeJaccard: PairwiseMatrix
    public var nodeWeightedJaccard: PairwiseMatrix
    /// Nil unless every circuit has edge scores.
    public var edgeJaccard: PairwiseMatrix?
    public var edgeWeightedJaccard: PairwiseMatrix?
    public var spectral: PairwiseMatrix?
}

/// The definitions behind the numbers, written into the output so it explains itself.
public struct EmergenceDefinitions: Codable, Sendable, Equatable {
    public var jaccard = "|A ∩ B| / |A ∪ B| of the names in the two circuits (nodes: heads and MLPs only, since "
        + "input and logits are in every circuit); 1 when both are empty"
    public var weightedJaccard = "Σ min(|s_a|,|s_b|) / Σ max(|s_a|,|s_b|) over the union of the circuits' "
        + "members, a member of one circuit only weighing 0 in the other; 1 when every weight is 0"
    public var topK = "|top_k(a) ∩ top_k(b)| / k over all scored heads and MLPs (or edges) by |score|, ties by name; "
        + "k shrinks to the smaller graph when it has fewer than k"
    public var spectralVariant = SpectralSimilarity.variant
    public var spectral = SpectralSimilarity.definition
    public var changeRate = "node_change = 1 − node Jaccard with the previous checkpoint; node_change_per_decade = "
        + "node_change / (log10(1 + step) − log10(1 + previous step))"
    public var persistence = "for each head and MLP of the final circuit, the first step from which it is in every "
        + "circuit to the end; null when it is in the final circuit only"
}

public enum EmergenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case duplicateStep(Int)
    case negativeStep(Int)

    public var description: String {
        switch self {
        case .empty: "the series holds no checkpoints"
        case let .duplicateStep(step): "step \(step) occurs twice in the series"
        case let .negativeStep(step): "step \(step) is negative; steps count training updates from 0"
        }
    }
}

/// The statistics of a series of circuits over training: per-step rows, pairwise matrices,
/// persistence of the final circuit's nodes, and the gradual-versus-abrupt verdict.
/// `emergence.json` is its JSON (snake_case keys); Export writes its rows as CSV.
public struct EmergenceSummary: Codable, Sendable, Equatable {
    public var rows: [EmergenceRow]
    public var topK: Int
    public var pairwise: PairwiseMatrices
    public var persistence: [NodePersistence]
    public var verdict: EmergenceVerdict
    public var definitions: EmergenceDefinitions

    /// Statistics of `points` (in any order; they are sorted by step), top-k overlaps with `topK`.
    public init(points: [EmergencePoint], topK: Int) throws(EmergenceError) {
        precondition(topK > 0, "top-k needs a positive k")
        guard !points.isEmpty else { throw .empty }
        let points = points.sorted { $0.step < $1.step }
        for (previous, next) in zip(points, points.dropFirst()) where previous.step == next.step {
            throw .duplicateStep(next.step)
        }
        if let negative = points.first(where: { $0.step < 0 }) { throw .negativeStep(negative.step) }

        let steps = points.map(\.step)
        let circuits = points.map(\.circuit)
        let withEdges = circuits.allSatisfy(\.hasEdgeScores)
        let spectra = withEdges ? circuits.map(LaplacianSpectrum.init) : nil
        let final = circuits.count - 1

        rows = points.indices.map { i in
            let circuit = circuits[i]
            var row = EmergenceRow(
                step: steps[i], measurements: points[i].measurements, nodes: circuit.nodes.count,
                edges: circuit.edges.count, components: circuit.componentCount,
                vsFinal: CircuitOverlap(circuit, circuits[final], k: topK),
                spectralVsFinal: spectra.map { SpectralSimilarity.similarity($0[i], $0[final]) })
            if i > 0 {
                let previous = CircuitOverlap(circuits[i - 1], circuit, k: topK)
                row.vsPrevious = previous
                row.spectralVsPrevious = spectra.map { SpectralSimilarity.similarity($0[i - 1], $0[i]) }
                row.nodeChange = 1 - previous.nodeJaccard
                let decades = log10(1 + Double(steps[i])) - log10(1 + Double(steps[i - 1]))
                row.nodeChangePerDecade = (1 - previous.nodeJaccard) / decades
            }
            return row
        }
        self.topK = topK

        // Member weights are built once per circuit, not once per pair.
        let nodeWeights = circuits.map { WeightVector($0.memberComponentWeights) }
        let edgeWeights = withEdges ? circuits.map { WeightVector($0.memberEdgeWeights) } : []
        pairwise = PairwiseMatrices(
            nodeJaccard: PairwiseMatrix(steps: steps, items: circuits.map(\.components), similarity: Overlap.jaccard),
            nodeWeightedJaccard: PairwiseMatrix(steps: steps, items: nodeWeights, similarity: Overlap.weightedJaccard),
            edgeJaccard: withEdges ? PairwiseMatrix(steps: steps, items: circuits.map(\.edges), similarity: Overlap.jaccard) : nil,
            edgeWeightedJaccard: withEdges ? PairwiseMatrix(steps: steps, items: edgeWeights, similarity: Overlap.weightedJaccard) : nil,
            spectral: spectra.map { PairwiseMatrix(steps: steps, items: $0, similarity: SpectralSimilarity.similarity) })

        persistence = NodePersistence.of(points.map { (step: $0.step, nodes: $0.circuit.components) })

        var signals: [(name: String, scale: Double?, points: [(step: Int, value: Double)])] = [
            ("node distance to final circuit", 1, rows.map { ($0.step, 1 - $0.vsFinal.nodeJaccard) }),
        ]
        if withEdges {
            signals.append(("edge distance to final circuit", 1, rows.map { ($0.step, 1 - ($0.vsFinal.edgeJaccard ?? 1)) }))
        }
        let metric = rows.compactMap { row -> (step: Int, value: Double)? in
            guard let value = row.measurements.cleanMetric, value.isFinite else { return nil }
            return (row.step, value)
        }
        signals.append(("clean metric", nil, metric))
        verdict = EmergenceVerdict(signals: signals)
        definitions = EmergenceDefinitions()
    }

    /// `emergence.json`: snake_case keys, sorted, so the same statistics give the same bytes.
    /// A faithfulness whose denominator vanished is ±infinity or NaN; it is written as the
    /// string "Infinity", "-Infinity" or "NaN" rather than failing the whole summary.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> EmergenceSummary {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(EmergenceSummary.self, from: data)
    }
}
