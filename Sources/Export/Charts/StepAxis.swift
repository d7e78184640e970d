import Foundation

/// The x axis of charts over training: steps on a log scale that still has a place for step 0.
/// Position is log10(1 + step), so step 0 sits at the origin, step 9 one decade right of it,
/// and late steps (where 1 is negligible) are spaced as on a plain log axis.
struct StepAxis {
    let low: Double
    let high: Double
    let ticks: [Int]

    init(steps: [Int]) {
        let first = steps.min() ?? 0, last = steps.max() ?? 0
        var low = Self.position(first), high = Self.position(last)
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        self.low = low
        self.high = high
        // Step 0 and powers of ten; with less than two decades also 2× and 5×; failing that the ends.
        let decades = (0...9).map { Int(pow(10.0, Double($0))) }
        let fine = high - low < 2 ? decades.flatMap { [2 * $0, 5 * $0] } : []
        var ticks = ([0] + decades + fine).filter { $0 >= first && $0 <= last }.sorted()
        if ticks.count < 2 { ticks = Array(Set([first, last] + ticks)).sorted() }
        self.ticks = ticks
    }

    static func position(_ step: Int) -> Double { log10(1 + Double(max(step, 0))) }

    /// 0…1 across the axis.
    func fraction(_ step: Int) -> Double { (Self.position(step) - low) / (high - low) }

    /// "0", "500", "1k", "2.5k", "143k", "1M".
    static func label(_ step: Int) -> String {
        func compact(_ value: Double, _ suffix: String) -> String {
            let rounded = (value * 10).rounded() / 10
            return (rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)) + suffix
        }
        if step >= 1_000_000 { return compact(Double(step) / 1_000_000, "M") }
        if step >= 1_000 { return compact(Double(step) / 1_000, "k") }
        return String(step)
    }
}

/// A linear value axis with 1-2-5 ticks covering the data (or a fixed domain).
struct ValueAxis {
    let low: Double
    let high: Double
    let ticks: [Double]
    let decimals: Int

    init(values: [Double], domain: ClosedRange<Double>? = nil) {
        var low = domain?.lowerBound ?? values.min() ?? 0
        var high = domain?.upperBound ?? values.max() ?? 1
        if high - low < 1e-12 {
            let pad = max(abs(low) * 0.1, 0.5)
            low -= pad
            high += pad
        }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if domain == nil {
            low = floor(low / step) * step
            high = ceil(high / step) * step
        }
        self.low = low
        self.high = high
        var ticks: [Double] = []
        var index = ceil(low / step - 1e-9)
        while index * step <= high + step * 1e-9 {
            ticks.append(index * step)
            index += 1
        }
        self.ticks = ticks
        decimals = max(0, Int(-floor(log10(step) + 1e-9)))
    }

    func fraction(_ value: Double) -> Double { (value - low) / (high - low) }
}
