import Testing
@testable import Tensors

/// The helpers edge attribution builds its products from: per-head products of projection
/// blocks and the norm's input gradient for copies sharing one input (both written in place
/// into one buffer), and products of row prefixes — checked against plain loops and against
/// the tape's norm backward.
@Suite("Head products")
struct HeadProductsTests {
    /// out[h] = x_h · W_h by loops, W's head blocks as rows (grouped) or columns.
    static func naivePerHead(_ x: Tensor, heads: Int, weight: Tensor, blocks: HeadBlocks) -> [Float] {
        let (r, d) = (x.shape[0], x.shape[1] / heads)
        var out: [Float] = []
        switch blocks {
        case let .rows(groups):
            let n = weight.shape[1]
            for h in 0..<heads {
                let g = h / (heads / groups)
                for i in 0..<r {
                    for j in 0..<n {
                        out.append((0..<d).reduce(Float(0)) { $0 + x[i, h * d + $1] * weight[g * d + $1, j] })
                    }
                }
            }
        case .columns:
            let n = weight.shape[0]
            for h in 0..<heads {
                for i in 0..<r {
                    for j in 0..<n {
                        out.append((0..<d).reduce(Float(0)) { $0 + x[i, h * d + $1] * weight[j, h * d + $1] })
                    }
                }
            }
        }
        return out
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: [HeadBlocks.rows(groups: 4), .rows(groups: 2), .columns])
    func perHeadProductsMatchLoops(blocks: HeadBlocks) throws {
        let (heads, r, d, n) = (4, 5, 3, 7)
        let x = randomTensor([r, heads * d], seed: 1)
        let weight: Tensor
        switch blocks {
        case let .rows(groups): weight = randomTensor([groups * d, n], seed: 2)
        case .columns: weight = randomTensor([n, heads * d], seed: 3)
        }
        var product = Tensor.zeros([heads, r * n])
        try product.assignPerHeadProducts(x, heads: heads, weight: weight, blocks: blocks, atRow: 0)
        let worst = Self.maxDifference(product.storage, Self.naivePerHead(x, heads: heads, weight: weight, blocks: blocks))
        #expect(worst < 1e-5, "max |diff| \(worst)")
    }

    /// Assembled in place at a row offset, the products' norm gradients equal the tape's norm
    /// backward of each head's copy, and rows outside the assigned ones are untouched.
    @Test(arguments: [true, false])
    func inPlaceAssemblyMatchesTheTapesNormBackward(centered: Bool) throws {
        let (heads, groups, r, d, n) = (4, 2, 6, 3, 8)
        let x = randomTensor([r, heads * d], seed: 4)
        let weight = randomTensor([groups * d, n], seed: 5)
        let input = randomTensor([r, n], seed: 6), normWeight = randomTensor([n], seed: 7, range: 0.5...1.5)
        let extra = randomTensor([r, n], seed: 8)
        var buffer = Tensor.filled([heads + 3, r * n], with: 42)
        try buffer.assignPerHeadProducts(x, heads: heads, weight: weight, blocks: .rows(groups: groups), atRow: 1)
        let products = buffer.storage
        try buffer.applyNormInputGradients(rows: 1..<(heads + 1), input: input, weight: normWeight, eps: 1e-5, centered: centered)
        try buffer.assignRow(heads + 1, extra)

        let width = r * n
        for h in 0..<heads {
            // Head h's copy of the input, normalised on a tape, differentiated with its product as upstream.
            let tape = Tape()
            let copy = tape.watch(input)
            let normalized = centered ? try layerNorm(copy, weight: normWeight, bias: nil, eps: 1e-5)
                                      : try rmsNorm(copy, weight: normWeight, eps: 1e-5)
            let upstream = try Tensor(shape: [r, n], storage: Array(products[((h + 1) * width)..<((h + 2) * width)]))
            let expected = try tape.backward(from: sumAll(normalized * upstream))[copy]
            let got = Array(buffer.storage[((h + 1) * width)..<((h + 2) * width)])
            #expect(Self.maxDifference(got, expected.storage) < 1e-5, "head \(h)")
        }
        #expect(Array(buffer.storage[((heads + 1) * width)..<((heads + 2) * width)]) == extra.storage)
        #expect(buffer.storage[0..<width].allSatisfy { $0 == 42 } && buffer.storage[((heads + 2) * width)...].allSatisfy { $0 == 42 })
    }

    @Test func addRowsAddsTheLeadingRowsInPlace() throws {
        var sum = randomTensor([4, 5], seed: 14)
        let before = sum.storage, other = randomTensor([3, 5], seed: 15)
        try sum.addRows(other, count: 2, atRow: 1)
        for i in 0..<20 {
            let (r, c) = (i / 5, i % 5)
            let expected = (1...2).contains(r) ? before[i] + other[r - 1, c] : before[i]
            #expect(sum.storage[i] == expected, "element \(r), \(c)")
        }
        #expect(throws: TensorError.self) { try sum.addRows(other, count: 2, atRow: 3) }
        #expect(throws: TensorError.self) { try sum.addRows(other, count: 4, atRow: 0) }
    }

    @Test func assemblyRejectsRowsOutsideTheMatrix() {
        let x = randomTensor([2, 4], seed: 9), weight = randomTensor([4, 3], seed: 10)
        var buffer = Tensor.zeros([3, 6])
        #expect(throws: TensorError.self) { try buffer.assignPerHeadProducts(x, heads: 2, weight: weight, blocks: .rows(groups: 1), atRow: 2) }
        #expect(throws: TensorError.self) { try buffer.assignRow(3, Tensor.zeros([6])) }
        #expect(throws: TensorError.self) { try buffer.assignRow(0, Tensor.zeros([5])) }
        #expect(throws: TensorError.self) {
            try buffer.applyNormInputGradients(rows: 2..<4, input: randomTensor([2, 3], seed: 11), weight: .filled([3], with: 1),
                                               eps: 1e-5, centered: true)
        }
    }

    @Test func leadingRowProductsReadBothPrefixes() throws {
        let a = randomTensor([5, 9], seed: 12), b = randomTensor([4, 9], seed: 13)
        let product = try leadingRowProducts(a, leadingRows: 3, b, bRows: 2)
        #expect(product.shape == [3, 2])
        var expected: [Float] = []
        for i in 0..<3 { for j in 0..<2 { expected.append((0..<9).reduce(Float(0)) { $0 + a[i, $1] * b[j, $1] }) } }
        #expect(Self.maxDifference(product.storage, expected) < 1e-5)
        #expect(try leadingRowProducts(a, leadingRows: 0, b, bRows: 2).shape == [0, 2])
        #expect(throws: TensorError.self) { try leadingRowProducts(a, leadingRows: 6, b, bRows: 2) }
        #expect(throws: TensorError.self) { try leadingRowProducts(a, leadingRows: 2, b, bRows: 5) }
    }
}
