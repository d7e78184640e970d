/// Spearman's rank correlation: Pearson correlation of the ranks, ties given their
/// average rank. NaN when either side has no spread.
public func spearman(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "spearman: \(a.count) vs \(b.count) values")
    return pearson(ranks(a), ranks(b))
}

/// 1-based ranks with ties averaged.
func ranks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
        let average = Double(start + end) / 2 + 1
        for i in start...end { ranks[order[i]] = average }
        start = end + 1
    }
    return ranks
}

func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let n = Double(a.count)
    let meanA = a.reduce(0, +) / n, meanB = b.reduce(0, +) / n
    var covariance = 0.0, varianceA = 0.0, varianceB = 0.0
    for (x, y) in zip(a, b) {
        covariance += (x - meanA) * (y - meanB)
        varianceA += (x - meanA) * (x - meanA)
        varianceB += (y - meanB) * (y - meanB)
    }
    return covariance / (varianceA * varianceB).squareRoot()
}
