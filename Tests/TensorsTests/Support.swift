import Foundation
import Testing
@testable import Tensors

/// Deterministic random numbers (SplitMix64) so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return try! Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &rng) })
}

/// Result of comparing analytic gradients with central finite differences.
struct GradientReport: CustomStringConvertible {
    var input: Int
    var maxDifference: Double
    var scale: Double
    var description: String { "input \(input): max |analytic − numeric| = \(maxDifference) (gradient scale \(scale))" }
}

/// Checks the tape's gradients of L = Σ f(inputs) ⊙ w (w random) against central
/// finite differences. Perturbation, loss accumulation and quotient are in Float64;
/// the kernels run in Float32, so the step is moderate and the tolerance relative to
/// the gradient's scale. Returns one report per checked input.
func checkGradients(
    _ inputs: [Tensor], check: [Int]? = nil, step: Double = 1e-2, tolerance: Double = 2e-3,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) throws -> Tensor
) throws -> [GradientReport] {
    let probe = try f(inputs)
    let weights = randomTensor(probe.shape, seed: 977)
    func loss(_ xs: [Tensor]) throws -> Double {
        let y = try f(xs)
        var total = 0.0
        for i in 0..<y.count { total += Double(y.storage[i]) * Double(weights.storage[i]) }
        return total
    }
    let tape = Tape()
    let watched = inputs.map { tape.watch($0) }
    let output = try f(watched)
    let l = try sumAll(mul(output, weights))
    let grads = try tape.backward(from: l)

    var reports: [GradientReport] = []
    for index in check ?? Array(inputs.indices) {
        let analytic = try grads[watched[index]]
        var worst = 0.0, scale = 0.0
        for element in 0..<inputs[index].count {
            var plus = inputs, minus = inputs
            let x = Double(inputs[index].storage[element])
            plus[index].storage[element] = Float(x + step)
            minus[index].storage[element] = Float(x - step)
            // Divide by the steps actually taken after rounding to Float32.
            let taken = Double(plus[index].storage[element]) - Double(minus[index].storage[element])
            let numeric = (try loss(plus) - loss(minus)) / taken
            worst = max(worst, abs(numeric - Double(analytic.storage[element])))
            scale = max(scale, abs(numeric))
        }
        let report = GradientReport(input: index, maxDifference: worst, scale: scale)
        #expect(worst <= tolerance * max(1, scale), "\(report)", sourceLocation: sourceLocation)
        reports.append(report)
    }
    return reports
}

/// The folder holding Package.swift, found by walking up from this file.
func packageRoot(from file: String = #filePath) -> URL {
    var url = URL(fileURLWithPath: file).deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url.deleteLastPathComponent()
    }
    fatalError("Package.swift not found above \(file)")
}
