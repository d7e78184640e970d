/// Overlap of two circuits by name (DESIGN.md, "overlap between circuits").
///
/// Conventions for degenerate inputs, chosen so that a circuit always overlaps itself
/// completely: two empty sets have Jaccard 1 (they agree exactly), and two weight vectors
/// that are zero over their whole union have weighted Jaccard 1 (they are equal).
/// Sums run over names in sorted order, so results do not depend on hashing order.
public enum Overlap {
    /// `|A ∩ B| / |A ∪ B|`; 1 when both sets are empty.
    public static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        let union = a.union(b).count
        guard union > 0 else { return 1 }
        return Double(a.intersection(b).count) / Double(union)
    }

    /// `Σ min(|a_x|, |b_x|) / Σ max(|a_x|, |b_x|)` over the union of the two maps' names, a
    /// name missing from one map weighing 0 there. With every weight equal it is the Jaccard
    /// index of the two name sets. 1 when the union is empty or every weight in it is zero.
    public static func weightedJaccard(_ a: [String: Double], _ b: [String: Double]) -> Double {
        weightedJaccard(WeightVector(a), WeightVector(b))
    }

    /// The same over weights already sorted by name: one merge, no hashing, which is what
    /// makes a full pairwise matrix over many checkpoints cheap.
    public static func weightedJaccard(_ a: WeightVector, _ b: WeightVector) -> Double {
        var minimum = 0.0, maximum = 0.0
        var i = 0, j = 0
        while i < a.names.count || j < b.names.count {
            let x: Double, y: Double
            if j == b.names.count || (i < a.names.count && a.names[i] < b.names[j]) {
                (x, y) = (a.weights[i], 0)
                i += 1
            } else if i == a.names.count || b.names[j] < a.names[i] {
                (x, y) = (0, b.weights[j])
                j += 1
            } else {
                (x, y) = (a.weights[i], b.weights[j])
                i += 1
                j += 1
            }
            minimum += min(x, y)
            maximum += max(x, y)
        }
        guard maximum > 0 else { return 1 }
        return minimum / maximum
    }

    /// The `k` names with the largest |score|, ties broken by name so the choice is repeatable.
    /// One pass keeping the best k in rank order: graphs hold tens of thousands of edges and
    /// k is a circuit's size, so most names fail the first comparison.
    public static func topK(_ scores: [String: Double], k: Int) -> [String] {
        precondition(k > 0, "k must be positive")
        func ranksBefore(_ a: (name: String, magnitude: Double), _ b: (name: String, magnitude: Double)) -> Bool {
            a.magnitude != b.magnitude ? a.magnitude > b.magnitude : a.name < b.name
        }
        var best: [(name: String, magnitude: Double)] = []
        best.reserveCapacity(k + 1)
        for (name, score) in scores {
            // A NaN score ranks last rather than poisoning the comparisons.
            let candidate = (name: name, magnitude: score.isNaN ? -1 : abs(score))
            if best.count == k, !ranksBefore(candidate, best[k - 1]) { continue }
            var position = best.count
            while position > 0 && ranksBefore(candidate, best[position - 1]) { position -= 1 }
            best.insert(candidate, at: position)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.name)
    }

    /// `|top_k(a) ∩ top_k(b)| / k`, ranking by |score|. When a map holds fewer than `k` names,
    /// k shrinks to the smaller map's size (the largest overlap possible), so a perfect match
    /// still scores 1; two empty maps score 1, one empty map 0.
    public static func topKOverlap(_ a: [String: Double], _ b: [String: Double], k: Int) -> Double {
        precondition(k > 0, "k must be positive")
        let effective = min(k, a.count, b.count)
        guard effective > 0 else { return a.isEmpty && b.isEmpty ? 1 : 0 }
        let shared = Set(topK(a, k: effective)).intersection(topK(b, k: effective)).count
        return Double(shared) / Double(effective)
    }
}

/// Non-negative weights (|score|) sorted by name, so sums over a union always run in the same order.
public struct WeightVector: Sendable, Equatable {
    public let names: [String]
    public let weights: [Double]

    public init(_ scores: [String: Double]) {
        let sorted = scores.sorted { $0.key < $1.key }
        names = sorted.map(\.key)
        weights = sorted.map { abs($0.value) }
    }
}

/// Every overlap statistic between two circuits. Edge statistics are nil unless both circuits
/// have edge scores (node methods write no edges, so there is nothing to compare).
public struct CircuitOverlap: Codable, Sendable, Equatable {
    /// Jaccard of the circuits' heads and MLPs (input and logits, in every circuit, left out).
    public var nodeJaccard: Double
    public var edgeJaccard: Double?
    /// Weighted Jaccard of the member heads' and MLPs' |scores| (one outside a circuit weighs 0 there).
    public var nodeWeightedJaccard: Double
    public var edgeWeightedJaccard: Double?
    /// Top-k overlap of all scored heads and MLPs, in the circuits or not: do the rankings agree?
    public var nodeTopK: Double
    public var edgeTopK: Double?
    /// The k of the top-k overlaps.
    public var k: Int

    public init(_ a: NamedCircuit, _ b: NamedCircuit, k: Int) {
        self.k = k
        nodeJaccard = Overlap.jaccard(a.components, b.components)
        nodeWeightedJaccard = Overlap.weightedJaccard(a.memberComponentWeights, b.memberComponentWeights)
        nodeTopK = Overlap.topKOverlap(a.componentScores, b.componentScores, k: k)
        if a.hasEdgeScores && b.hasEdgeScores {
            edgeJaccard = Overlap.jaccard(a.edges, b.edges)
            edgeWeightedJaccard = Overlap.weightedJaccard(a.memberEdgeWeights, b.memberEdgeWeights)
            edgeTopK = Overlap.topKOverlap(a.edgeScores, b.edgeScores, k: k)
        }
    }

    public init(_ a: Circuit, _ b: Circuit, k: Int) {
        self.init(a.named, b.named, k: k)
    }
}
