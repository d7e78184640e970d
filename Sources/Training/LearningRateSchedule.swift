import Foundation

/// Linear warm-up to the peak rate, then cosine decay to the minimum at the last step
/// (nanoGPT's schedule). `rate(at:)` is the rate of the update made at step index s
/// (0-based), so the first update uses peak/warmup and the last one the minimum.
public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Double
    public var minimum: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Double, minimum: Double, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let decaySteps = max(totalSteps - warmupSteps - 1, 1)
        let progress = min(Double(step - warmupSteps) / Double(decaySteps), 1)
        return minimum + 0.5 * (peak - minimum) * (1 + cos(Double.pi * progress))
    }
}
