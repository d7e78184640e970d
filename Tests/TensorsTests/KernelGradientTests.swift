import Testing
@testable import Tensors

/// Every kernel's backward against Float64 central finite differences.
@Suite("Kernel gradients vs finite differences")
struct KernelGradientTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmulTransposes(transposeA: Bool, transposeB: Bool) throws {
        let a = randomTensor(transposeA ? [5, 4] : [4, 5], seed: 1)
        let b = randomTensor(transposeB ? [3, 5] : [5, 3], seed: 2)
        _ = try checkGradients([a, b]) { try matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
    }

    @Test func batchedMatmul() throws {
        _ = try checkGradients([randomTensor([2, 3, 4], seed: 3), randomTensor([2, 4, 5], seed: 4)]) { try matmul($0[0], $0[1]) }
        _ = try checkGradients([randomTensor([2, 4, 3], seed: 5), randomTensor([2, 5, 4], seed: 6)]) {
            try matmul($0[0], $0[1], transposeA: true, transposeB: true)
        }
    }

    @Test(arguments: [WeightLayout.outIn, .inOut])
    func linearBothLayouts(layout: WeightLayout) throws {
        let weight = randomTensor(layout == .outIn ? [6, 4] : [4, 6], seed: 7)
        _ = try checkGradients([randomTensor([2, 3, 4], seed: 8), weight, randomTensor([6], seed: 9)]) {
            try linear($0[0], weight: $0[1], bias: $0[2], layout: layout)
        }
        _ = try checkGradients([randomTensor([3, 4], seed: 10), weight]) { try linear($0[0], weight: $0[1], layout: layout) }
    }

    @Test(arguments: [([2, 3, 4], [4]), ([2, 3, 4], [2, 3, 4]), ([2, 1, 4], [3, 1]), ([4], [2, 3, 4]), ([2, 3, 1], [1, 3, 4])])
    func broadcastingArithmetic(lhs: [Int], rhs: [Int]) throws {
        let a = randomTensor(lhs, seed: 11), b = randomTensor(rhs, seed: 12)
        _ = try checkGradients([a, b]) { try add($0[0], $0[1]) }
        _ = try checkGradients([a, b]) { try sub($0[0], $0[1]) }
        _ = try checkGradients([a, b]) { try mul($0[0], $0[1]) }
    }

    @Test func scaleSumMean() throws {
        let x = randomTensor([2, 3, 4], seed: 13)
        _ = try checkGradients([x]) { try scale($0[0], by: -1.5) }
        for axis in 0..<3 {
            _ = try checkGradients([x]) { try sum($0[0], axis: axis) }
            _ = try checkGradients([x]) { try mean($0[0], axis: axis, keepDims: true) }
        }
        _ = try checkGradients([x]) { try sumAll($0[0]) }
    }

    @Test func shapeOps() throws {
        let x = randomTensor([2, 3, 4], seed: 14)
        _ = try checkGradients([x]) { try $0[0].reshape([4, -1]) }
        _ = try checkGradients([x]) { try permute($0[0], [2, 0, 1]) }
        _ = try checkGradients([x]) { try transpose($0[0], 0, 1) }
        _ = try checkGradients([x]) { try slice($0[0], axis: 1, 1..<3) }
        _ = try checkGradients([x, randomTensor([2, 2, 4], seed: 15)]) { try concat($0, axis: 1) }
        _ = try checkGradients([x]) { try gatherRows($0[0], [1, 0, 1]) }  // row 1 twice: scatter-add
    }

    @Test func embeddings() throws {
        let table = randomTensor([7, 5], seed: 16)
        _ = try checkGradients([table]) { try embedding($0[0], ids: [3, 1, 3, 6, 0, 3], shape: [2, 3]) }
    }

    @Test func norms() throws {
        let x = randomTensor([3, 4, 8], seed: 17, range: -2...2)
        let w = randomTensor([8], seed: 18, range: 0.5...1.5), b = randomTensor([8], seed: 19)
        _ = try checkGradients([x, w, b]) { try layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-5) }
        _ = try checkGradients([x, w]) { try layerNorm($0[0], weight: $0[1], bias: nil, eps: 1e-5) }
        _ = try checkGradients([x, w]) { try rmsNorm($0[0], weight: $0[1], eps: 1e-6) }
    }

    @Test func softmaxes() throws {
        let x = randomTensor([2, 3, 5, 5], seed: 20, range: -3...3)
        _ = try checkGradients([x]) { try softmax($0[0], causal: true) }
        _ = try checkGradients([x]) { try softmax($0[0]) }
        _ = try checkGradients([randomTensor([2, 3, 4, 6], seed: 21)]) { try softmax($0[0], causal: true) }  // keys past queries
        _ = try checkGradients([randomTensor([4, 9], seed: 22, range: -3...3)]) { try logSoftmax($0[0]) }
    }

    @Test func activations() throws {
        let x = randomTensor([4, 16], seed: 23, range: -4...4)
        _ = try checkGradients([x]) { try gelu($0[0], approximation: .tanh) }
        _ = try checkGradients([x]) { try gelu($0[0], approximation: .erf) }
        _ = try checkGradients([x]) { try silu($0[0]) }
        _ = try checkGradients([x, randomTensor([4, 16], seed: 24)]) { try swiglu(gate: $0[0], up: $0[1]) }
    }

    @Test(arguments: [Rotary(dims: 8, base: 10000, layout: .half), Rotary(dims: 4, base: 10000, layout: .half),
                      Rotary(dims: 8, base: 500, layout: .interleaved), Rotary(dims: 6, base: 100, layout: .interleaved)])
    func rotaryLayouts(rotary: Rotary) throws {
        let x = randomTensor([2, 5, 3, 8], seed: 25)
        _ = try checkGradients([x]) { try Tensors.rotary($0[0], positions: Array(0..<5), rotary) }
        _ = try checkGradients([x]) { try Tensors.rotary($0[0], positions: Array(3..<13), rotary) }  // per-sequence positions
    }

    @Test(arguments: [4, 2, 1])
    func attentionWithGroupedQueries(kvHeads: Int) throws {
        let q = randomTensor([2, 5, 4, 6], seed: 26), k = randomTensor([2, 5, kvHeads, 6], seed: 27)
        let v = randomTensor([2, 5, kvHeads, 6], seed: 28)
        _ = try checkGradients([q, k, v]) { try causalAttention(query: $0[0], key: $0[1], value: $0[2], scale: 0.4) }
    }

    @Test func crossEntropyIgnoresRows() throws {
        let logits = randomTensor([6, 11], seed: 29, range: -3...3)
        _ = try checkGradients([logits]) { try crossEntropy(logits: $0[0], targets: [3, 0, -100, 10, 5, 3]) }
    }
}
