import Foundation
import Testing
@testable import Tensors

/// The vectorised exp and erf against Foundation (in Float64), the chunk loops' tails,
/// and the row kernels' independence from how rows are batched and split.
@Suite("Vectorised math")
struct VectorMathTests {
    /// Applies `f` to `inputs` eight lanes at a time (the last chunk padded).
    static func apply(_ inputs: [Float], _ f: (FloatVector) -> FloatVector) -> [Float] {
        var out = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (p, q, n) = (src.baseAddress!, dst.baseAddress!, src.count)
                forEachChunk(n) { i in q.storeVector(f(p.vector(at: i, end: n)), at: i, end: n) }
            }
        }
        return out
    }

    /// |got − exact| in units of the float spacing at the exact value (subnormal spacing below 2⁻¹²⁶).
    static func ulps(_ got: Float, exact: Double) -> Double {
        if Double(got) == exact || (got.isInfinite && Float(exact) == got) { return 0 }
        let spacing = Double(max(Float(exact).magnitude.ulp, Float.leastNonzeroMagnitude))
        return abs(Double(got) - exact) / spacing
    }

    /// Every `stride`-th float between two bounds, by bit pattern, plus both bounds.
    static func floats(from low: Float, to high: Float, stride: Int) -> [Float] {
        var values: [Float] = [low, high]
        // Negative floats order in reverse bit order: walk magnitudes on each side of zero.
        func walk(_ a: Float, _ b: Float, negative: Bool) {
            var bits = a.bitPattern
            while bits <= b.bitPattern {
                let x = Float(bitPattern: bits)
                values.append(negative ? -x : x)
                bits += UInt32(stride)
            }
        }
        if low < 0 { walk(0, -low, negative: true) }
        if high > 0 { walk(0, high, negative: false) }
        return values.filter { $0 >= low && $0 <= high }
    }

    @Test func expWithinOneULPOverItsWholeRange() {
        // ~2·10⁶ floats spread over [−104, 89] by bit pattern (so tiny magnitudes and
        // subnormal results are covered), a dense linear sweep, and the edges.
        var inputs = Self.floats(from: -104, to: 89, stride: 1021)
        inputs += (0...200_000).map { -104 + 193 * Float($0) / 200_000 }
        let edges: [Float] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1e-30, -1e-30,
                              88.72283, 88.722832, 88.72284, 89, -87.33654, -87.33655, -88, -103.27893,
                              -103.97208, -103.97209, -104, 0.34657359, -0.34657359]
        inputs += edges.flatMap { x in (-64...64).map { Float(bitPattern: UInt32(bitPattern: Int32(bitPattern: x.bitPattern) &+ Int32($0))) } }
        inputs = inputs.filter { $0 >= -104 && $0 <= 89 }
        let got = Self.apply(inputs) { VectorMath.exp($0) }
        var worst = 0.0, worstInput: Float = 0
        for (x, y) in zip(inputs, got) {
            let error = Self.ulps(y, exact: Foundation.exp(Double(x)))
            if error > worst { (worst, worstInput) = (error, x) }
        }
        #expect(worst <= 1, "exp: \(worst) ULP at x = \(worstInput)")
    }

    @Test func expSpecialValues() {
        let inputs: [Float] = [-.infinity, -1e30, -105, .infinity, 1e30, 90, 88.72284, .nan, 0]
        let got = Self.apply(inputs) { VectorMath.exp($0) }
        #expect(got[0] == 0 && got[1] == 0 && got[2] == 0, "e^−∞ and far below −104 are 0: \(got)")
        #expect(got[3] == .infinity && got[4] == .infinity && got[5] == .infinity && got[6] == .infinity,
                "past ln(Float.greatestFiniteMagnitude) is +∞: \(got)")
        #expect(got[7].isNaN)
        #expect(got[8] == 1)
    }

    @Test func erfWithinTwoTenMillionthsEverywhere() {
        var inputs = Self.floats(from: -12, to: 12, stride: 1021)
        inputs += (0...400_000).map { -6 + 12 * Float($0) / 400_000 }
        inputs += [0.9, -0.9, 0.8999999, -0.8999999, 3.9, 4, 1e-38, 1e-45, 1e30, -1e30]
        let got = Self.apply(inputs) { VectorMath.erf($0) }
        var worst = 0.0, worstInput: Float = 0
        for (x, y) in zip(inputs, got) {
            let error = abs(Double(y) - Foundation.erf(Double(x)))
            if error > worst { (worst, worstInput) = (error, x) }
        }
        #expect(worst <= 2e-7, "erf: |error| \(worst) at x = \(worstInput)")
        let specials = Self.apply([.infinity, -.infinity, .nan, 0, -0.0]) { VectorMath.erf($0) }
        #expect(specials[0] == 1 && specials[1] == -1 && specials[2].isNaN && specials[3] == 0 && specials[4] == 0)
    }

    @Test func sigmoidSaturatesExactly() {
        let got = Self.apply([-200, -.infinity, 200, .infinity, 0]) { VectorMath.sigmoid($0) }
        #expect(got == [0, 0, 1, 1, 0.5])
    }

    /// Sums and maxima over every length from 0 to 40 (all tail shapes), against Float64.
    @Test func chunkReductionsHandleEveryTail() {
        let values = (0..<40).map { Float(sin(Double($0) * 1.7)) * 3 }
        values.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!
            for n in 0...40 {
                let exact = values[..<n].reduce(0.0) { $0 + Double($1) }
                let sum = sumChunks(n) { p.vector(at: $0, end: n) }
                #expect(abs(Double(sum) - exact) <= 1e-5, "sum of \(n): \(sum) vs \(exact)")
                let (a, b) = sumChunkPairs(n) { i in (p.vector(at: i, end: n), 2 * p.vector(at: i, end: n)) }
                #expect(abs(Double(a) - exact) <= 1e-5 && abs(Double(b) - 2 * exact) <= 2e-5)
                let peak = VectorMath.maximumLane(reduceChunks(n, FloatVector(repeating: -.infinity), VectorMath.maximum) {
                    p.vector(at: $0, end: n, padding: -.infinity)
                })
                #expect(peak == (values[..<n].max() ?? -.infinity), "max of \(n)")
            }
        }
    }

    /// An element's activation does not depend on its position (full chunk or padded tail).
    @Test func pointwiseTailsUseTheSameMath() throws {
        let x = randomTensor([37], seed: 41, range: -6...6)
        for op: (Tensor) throws -> Tensor in [{ try gelu($0, approximation: .tanh) }, { try gelu($0, approximation: .erf) },
                                              { try silu($0) }] {
            let whole = try op(x)
            for i in 0..<x.count {
                let alone = try op(Tensor(shape: [1], storage: [x.storage[i]]))
                #expect(alone.storage[0] == whole.storage[i], "element \(i)")
            }
        }
    }

    /// A row's result is bit-identical whether it is computed alone or in a large batch
    /// (which the kernels split across cores), so reductions never depend on the split.
    @Test func rowKernelsDoNotDependOnBatching() throws {
        let d = 771  // not a multiple of 8: every row has a padded tail
        let batch = randomTensor([64, d], seed: 42, range: -3...3)
        let w = randomTensor([d], seed: 43, range: 0.5...1.5), b = randomTensor([d], seed: 44)
        let ops: [(Tensor) throws -> Tensor] = [
            { try layerNorm($0, weight: w, bias: b, eps: 1e-5) }, { try rmsNorm($0, weight: w, eps: 1e-6) },
            { try softmax($0) }, { try logSoftmax($0) },
        ]
        let upstream = randomTensor([64, d], seed: 45)
        /// y = op(x) and dx for the upstream gradient `dy`.
        func forwardBackward(_ x: Tensor, _ dy: Tensor, _ op: (Tensor) throws -> Tensor) throws -> (Tensor, Tensor) {
            let tape = Tape()
            let watched = tape.watch(x)
            let y = try op(watched)
            let seed = try recordCustom("seed", inputs: [y], output: .scalar(0)) { (_, _) throws(TensorError) in [dy] }
            return (y, try tape.backward(from: seed)[watched])
        }
        for op in ops {
            let (y, dx) = try forwardBackward(batch, upstream, op)
            for r in [0, 17, 63] {
                let rows = r..<(r + 1), elements = (r * d)..<((r + 1) * d)
                let (yRow, dxRow) = try forwardBackward(slice(batch, axis: 0, rows), slice(upstream, axis: 0, rows), op)
                #expect(yRow.storage == Array(y.storage[elements]), "row \(r) forward")
                #expect(dxRow.storage == Array(dx.storage[elements]), "row \(r) backward")
            }
        }
    }
}
