/// A similarity between every two checkpoints of a series, labelled by step.
///
/// Built from the upper triangle and mirrored, so it is symmetric bit for bit even when the
/// similarity's floating-point sums would round differently with its arguments swapped; the
/// diagonal is whatever the similarity gives a circuit against itself (1 for every
/// similarity here).
public struct PairwiseMatrix: Codable, Sendable, Equatable {
    public var steps: [Int]
    /// `values[i][j]`: the similarity of the circuits at `steps[i]` and `steps[j]`.
    public var values: [[Double]]

    public init(steps: [Int], values: [[Double]]) {
        self.steps = steps
        self.values = values
    }

    public init<Item>(steps: [Int], items: [Item], similarity: (Item, Item) -> Double) {
        precondition(steps.count == items.count, "one step per item")
        let n = items.count
        var values = Array(repeating: Array(repeating: 0.0, count: n), count: n)
        for i in 0..<n {
            for j in i..<n {
                let value = similarity(items[i], items[j])
                values[i][j] = value
                values[j][i] = value
            }
        }
        self.init(steps: steps, values: values)
    }
}
