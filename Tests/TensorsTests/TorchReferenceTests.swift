import Foundation
import Testing
@testable import Tensors

/// Kernels against PyTorch: fixtures/kernels/*.json, made by tools/make_kernel_fixtures.py
/// (float64 torch on the stored float32 inputs). Forward and backward must agree to
/// 1e-5 of each tensor's largest magnitude.
@Suite("Kernels vs PyTorch")
struct TorchReferenceTests {
    struct Stored: Decodable {
        let shape: [Int]
        let data: [Double]
        var tensor: Tensor { try! Tensor(shape: shape, storage: data.map { Float($0) }) }
    }

    struct Case: Decodable {
        let op: String
        let attrs: [String: Attribute]
        let inputs: [String: Stored]
        let int_inputs: [String: [Int]]?
        let upstream: Stored
        let output: Stored
        let grads: [String: Stored]
    }

    enum Attribute: Decodable {
        case number(Double), flag(Bool), text(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .text(try c.decode(String.self)) }
        }
        var number: Double { if case let .number(d) = self { d } else { .nan } }
        var flag: Bool { if case let .flag(b) = self { b } else { false } }
        var text: String { if case let .text(s) = self { s } else { "" } }
    }

    static let directory = packageRoot().appendingPathComponent("fixtures/kernels")
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()

    /// The circuitry op a fixture case names, applied to its inputs (in the fixture's input order).
    func apply(_ c: Case, _ x: [String: Tensor]) throws -> Tensor {
        let a = c.attrs
        switch c.op {
        case "gelu_tanh": return try gelu(x["x"]!, approximation: .tanh)
        case "gelu_erf": return try gelu(x["x"]!, approximation: .erf)
        case "silu": return try silu(x["x"]!)
        case "swiglu": return try swiglu(gate: x["gate"]!, up: x["up"]!)
        case "layer_norm": return try layerNorm(x["x"]!, weight: x["weight"]!, bias: x["bias"], eps: Float(a["eps"]!.number))
        case "rms_norm": return try rmsNorm(x["x"]!, weight: x["weight"]!, eps: Float(a["eps"]!.number))
        case "softmax": return try softmax(x["x"]!, causal: a["causal"]?.flag ?? false)
        case "log_softmax": return try logSoftmax(x["x"]!)
        case "rotary":
            let input = x["x"]!
            let layout: Rotary.Layout = a["layout"]!.text == "half" ? .half : .interleaved
            let rope = Rotary(dims: Int(a["rotary_dim"]!.number), base: Float(a["base"]!.number), layout: layout)
            return try rotary(input, positions: Array(0..<input.shape[1]), rope)
        case "attention":
            return try causalAttention(query: x["q"]!, key: x["k"]!, value: x["v"]!, scale: Float(a["scale"]!.number))
        case "cross_entropy": return try crossEntropy(logits: x["logits"]!, targets: c.int_inputs!["targets"]!)
        case "linear":
            let layout: WeightLayout = a["weight_layout"]!.text == "in_out" ? .inOut : .outIn
            return try linear(x["x"]!, weight: x["weight"]!, bias: x["bias"], layout: layout)
        case "matmul", "batched_matmul":
            return try matmul(x["a"]!, x["b"]!, transposeA: a["transpose_a"]?.flag ?? false,
                              transposeB: a["transpose_b"]?.flag ?? false)
        default:
            Issue.record("fixture op '\(c.op)' has no circuitry counterpart in this test")
            return .zeros([])
        }
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> (difference: Double, scale: Double) {
        var worst = 0.0, scale = 0.0
        for i in 0..<min(a.count, b.count) {
            worst = max(worst, abs(Double(a.storage[i]) - Double(b.storage[i])))
            scale = max(scale, abs(Double(b.storage[i])))
        }
        return (worst, scale)
    }

    @Test func fixturesArePresent() {
        #expect(Self.cases.count >= 20, "fixtures/kernels holds \(Self.cases.count) cases")
    }

    @Test(arguments: cases)
    func matchesTorch(name: String) throws {
        let url = Self.directory.appendingPathComponent("\(name).json")
        let c = try JSONDecoder().decode(Case.self, from: Data(contentsOf: url))
        let tape = Tape()
        let inputs = c.inputs.mapValues { tape.watch($0.tensor) }
        let output = try apply(c, inputs)
        #expect(output.shape == c.output.shape, "\(name): output shape \(output.shape) vs \(c.output.shape)")
        let (outDiff, outScale) = Self.maxDifference(output, c.output.tensor)
        #expect(outDiff <= 1e-5 * max(1, outScale), "\(name) forward: max |diff| \(outDiff) (scale \(outScale))")

        let upstream = c.upstream.tensor
        let seed = try recordCustom("seed", inputs: [output], output: .scalar(0)) { (_, _) throws(TensorError) in [upstream] }
        let grads = try tape.backward(from: seed)
        for (input, expected) in c.grads.sorted(by: { $0.key < $1.key }) {
            let grad = try grads[inputs[input]!]
            #expect(grad.shape == expected.shape, "\(name) d\(input): shape \(grad.shape) vs \(expected.shape)")
            let (difference, scale) = Self.maxDifference(grad, expected.tensor)
            #expect(difference <= 1e-5 * max(1, scale), "\(name) d\(input): max |diff| \(difference) (scale \(scale))")
        }
    }
}
