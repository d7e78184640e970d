import Testing
@testable import Tensors

@Suite("Tape")
struct TapeTests {
    @Test func twoLayerMLP() throws {
        let x = randomTensor([4, 6], seed: 40)
        let w1 = randomTensor([8, 6], seed: 41), b1 = randomTensor([8], seed: 42)
        let w2 = randomTensor([8, 3], seed: 43), b2 = randomTensor([3], seed: 44)
        _ = try checkGradients([x, w1, b1, w2, b2]) { p in
            let h = try gelu(linear(p[0], weight: p[1], bias: p[2], layout: .outIn), approximation: .tanh)
            return try logSoftmax(linear(h, weight: p[3], bias: p[4], layout: .inOut))
        }
    }

    /// Pre-norm attention block with both residual branches: x is used three times.
    @Test func attentionBlockWithResiduals() throws {
        let (b, t, h, d) = (2, 5, 4, 3)
        let width = h * d
        let x = randomTensor([b, t, width], seed: 50)
        let lnW = randomTensor([width], seed: 51, range: 0.5...1.5)
        let wq = randomTensor([width, width], seed: 52), wk = randomTensor([width / 2, width], seed: 53)
        let wv = randomTensor([width / 2, width], seed: 54), wo = randomTensor([width, width], seed: 55)
        let rope = Rotary(dims: 2, base: 10000, layout: .half)
        _ = try checkGradients([x, lnW, wq, wk, wv, wo]) { p in
            let n = try rmsNorm(p[0], weight: p[1], eps: 1e-6)
            let q = try rotary(linear(n, weight: p[2], layout: .outIn).reshape([b, t, h, d]), positions: Array(0..<t), rope)
            let k = try rotary(linear(n, weight: p[3], layout: .outIn).reshape([b, t, h / 2, d]), positions: Array(0..<t), rope)
            let v = try linear(n, weight: p[4], layout: .outIn).reshape([b, t, h / 2, d])
            let z = try causalAttention(query: q, key: k, value: v, scale: 1 / Float(d).squareRoot())
            let mid = try p[0] + linear(z.reshape([b, t, width]), weight: p[5], layout: .outIn)
            return try mid + silu(mid)
        }
    }

    @Test func tensorUsedTwiceAccumulates() throws {
        let tape = Tape()
        let x = tape.watch(try Tensor(shape: [3], storage: [1, 2, 3]))
        let y = try sumAll(x * x + x)  // dy/dx = 2x + 1
        let grads = try tape.backward(from: y)
        #expect(try grads[x].storage == [3, 5, 7])
    }

    @Test func noTapeMeansNoRecording() throws {
        let a = randomTensor([3, 4], seed: 60), b = randomTensor([4, 2], seed: 61)
        let y = try softmax(matmul(a, b))
        #expect(!y.isRecorded)
        let tape = Tape()
        let recorded = try softmax(matmul(tape.watch(a), b))
        #expect(recorded.isRecorded)
        #expect(tape.count == 3)  // the watched leaf, matmul, softmax
    }

    /// Only the watched input gets a gradient; the unwatched weight is never differentiated.
    @Test func gradientsOnlyWhereNeeded() throws {
        let tape = Tape()
        let x = tape.watch(randomTensor([2, 4], seed: 62))
        let w = randomTensor([3, 4], seed: 63)
        let y = try sumAll(linear(x, weight: w, layout: .outIn))
        let grads = try tape.backward(from: y)
        #expect(grads.reaches(x))
        #expect(throws: TensorError.notRecorded(op: "Gradients")) { try grads[w] }
    }

    @Test func missingRuleFailsLoudly() throws {
        let tape = Tape()
        let x = tape.watch(randomTensor([3], seed: 64))
        let y = try recordCustom("argmaxOneHot", inputs: [x], output: .zeros([3]))
        #expect(throws: TensorError.noGradientRule(op: "argmaxOneHot")) { try tape.backward(from: sumAll(y)) }
        #expect(TensorError.noGradientRule(op: "argmaxOneHot").description.contains("argmaxOneHot"))
    }

    @Test func customRuleIsUsed() throws {
        let tape = Tape()
        let x = tape.watch(try Tensor(shape: [2], storage: [1, 2]))
        let doubled = try Tensor(shape: [2], storage: [2, 4])
        let y = try recordCustom("double", inputs: [x], output: doubled) { (upstream, _) throws(TensorError) in [try scale(upstream, by: 2)] }
        #expect(try tape.backward(from: sumAll(y))[x].storage == [2, 2])
    }

    @Test func backwardNeedsScalarOnThisTape() throws {
        let tape = Tape()
        let x = tape.watch(randomTensor([3], seed: 65))
        #expect(throws: TensorError.notScalar(op: "backward", shape: [3])) { try tape.backward(from: x * x) }
        #expect(throws: TensorError.notRecorded(op: "backward")) { try Tape().backward(from: sumAll(x)) }
        let other = Tape().watch(randomTensor([3], seed: 66))
        #expect(throws: TensorError.differentTapes(op: "add")) { try x + other }
    }

    @Test func shapeErrorsNameOpAndShapes() throws {
        let a = randomTensor([2, 3], seed: 67), b = randomTensor([4, 5], seed: 68)
        #expect(throws: TensorError.shapeMismatch(op: "matmul", lhs: [2, 3], rhs: [4, 5])) { try matmul(a, b) }
        #expect(throws: TensorError.shapeMismatch(op: "add", lhs: [2, 3], rhs: [4, 5])) { try a + b }
        #expect(throws: TensorError.shapeMismatch(op: "linear", lhs: [2, 3], rhs: [4, 5])) {
            try linear(a, weight: b, layout: .outIn)
        }
        #expect(throws: TensorError.shapeMismatch(op: "layerNorm", lhs: [2, 3], rhs: [4, 5])) {
            try layerNorm(a, weight: b, bias: nil, eps: 1e-5)
        }
        #expect(throws: TensorError.shapeMismatch(op: "reshape", lhs: [2, 3], rhs: [4])) { try a.reshape([4]) }
        #expect(throws: TensorError.indexOutOfRange(op: "gatherRows", index: 9, size: 2)) { try gatherRows(a, [0, 9]) }
        #expect(throws: TensorError.shapeMismatch(op: "attentionScores", lhs: [1, 2, 3, 4], rhs: [1, 2, 2, 4])) {
            try attentionScores(query: .zeros([1, 2, 3, 4]), key: .zeros([1, 2, 2, 4]), scale: 1)
        }
        let message = TensorError.shapeMismatch(op: "matmul", lhs: [2, 3], rhs: [4, 5]).description
        #expect(message == "matmul: shapes [2, 3] and [4, 5] do not match")
        #expect(throws: TensorError.storageMismatch(shape: [2, 2], count: 3)) { try Tensor(shape: [2, 2], storage: [1, 2, 3]) }
    }

    @Test func copiesAreIndependent() throws {
        let a = try Tensor(shape: [2], storage: [1, 2])
        var b = a
        b.storage[0] = 9
        #expect(a.storage == [1, 2] && b.storage == [9, 2])
    }
}

@Suite("Hooks and interventions")
struct HookTests {
    /// y = Σ (2·h)², with hook point "h" on h = x + 1.
    func run(_ hooks: Hooks, _ x: Tensor) throws -> Tensor {
        let h = try hooks("h", x + Tensor.filled(x.shape, with: 1))
        let doubled = try hooks("doubled", scale(h, by: 2))
        return try sumAll(doubled * doubled)
    }

    @Test func readsValuesAndGradientsAtHookPoints() throws {
        let tape = Tape()
        let hooks = Hooks(tape: tape)
        hooks.capture(["h", "doubled"])
        let x = try Tensor(shape: [2], storage: [1, 2])  // not watched: the hooks record
        let y = try run(hooks, x)
        #expect(try y.item == 4 * (4 + 9))
        #expect(try hooks.value("h").storage == [2, 3])
        let grads = try tape.backward(from: y)
        #expect(try grads[hooks.value("h")].storage == [16, 24])  // d/dh 4h² = 8h
        #expect(hooks.visited == ["h", "doubled"])
        #expect(throws: HookError.notCaptured("nope")) { try hooks.value("nope") }
    }

    @Test func replacementWithAConstant() throws {
        let tape = Tape()
        let hooks = Hooks(tape: tape)
        let patched = try Tensor(shape: [2], storage: [5, 5])
        hooks.intervene("h") { _ in patched }
        hooks.capture(["h"])
        let y = try run(hooks, try Tensor(shape: [2], storage: [1, 2]))
        #expect(try y.item == 4 * 50)
        // The stored value became a leaf of its own: its gradient is there.
        #expect(try tape.backward(from: y)[hooks.value("h")].storage == [40, 40])
    }

    @Test func differentiatesThroughReplacedValues() throws {
        let tape = Tape()
        let hooks = Hooks(tape: tape)
        let x = tape.watch(try Tensor(shape: [2], storage: [1, 2]))
        // Interpolate h toward a corrupted value: h' = 0.5·h + 0.5·c. Gradient reaches x through h.
        let corrupted = try Tensor(shape: [2], storage: [4, 4])
        hooks.intervene("h") { h in try scale(h, by: 0.5) + scale(corrupted, by: 0.5) }
        let y = try run(hooks, x)
        // h' = [3, 3.5]; y = 4·Σh'²; dy/dx = 8·h'·0.5
        #expect(try tape.backward(from: y)[x].storage == [12, 14])
    }

    @Test func inferenceHooksDoNotRecord() throws {
        let hooks = Hooks()
        hooks.capture(where: { _ in true })
        let y = try run(hooks, try Tensor(shape: [2], storage: [1, 2]))
        #expect(!y.isRecorded)
        #expect(try !hooks.value("h").isRecorded)
    }
}
