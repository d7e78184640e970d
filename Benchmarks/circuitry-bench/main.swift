// circuitry's benchmarks: release build, medians of repeated runs.
//   swift run -c release circuitry-bench [sgemm|kernels|forward|all]
// The PyTorch baselines are in tools/bench_torch.py (same shapes, same byte counts).

import CBLAS
import Foundation
import Tensors

/// Median wall time in milliseconds of `runs` calls after `warmup` calls.
func medianMilliseconds(warmup: Int = 3, runs: Int = 15, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let elapsed = try clock.measure { try body() }
        times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
    }
    times.sort()
    return times[times.count / 2]
}

func random(_ shape: [Int], seed: UInt64) -> Tensor {
    var state = seed
    let storage = (0..<shape.reduce(1, *)).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
    }
    return try! Tensor(shape: shape, storage: storage)
}

func report(_ name: String, _ fields: [(String, Double)]) {
    let text = fields.map { "\($0.0)=\(String(format: "%.3f", $0.1))" }.joined(separator: " ")
    print("\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(text)")
}

/// circuitry's matmul against raw cblas_sgemm on the same operands, in the same run.
func benchSgemm() throws {
    print("# sgemm: circuitry matmul vs raw cblas_sgemm (median ms; ratio = raw/circuitry, target ≥ 0.85)")
    for (m, k, n) in [(768, 3072, 768), (256, 2304, 768)] {
        let a = random([m, k], seed: 1), b = random([k, n], seed: 2)
        var c = [Float](repeating: 0, count: m * n)
        let raw = medianMilliseconds {
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                    pa.baseAddress, Int32(k), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                    }
                }
            }
        }
        let ours = try medianMilliseconds { _ = try matmul(a, b) }
        let gflops = 2 * Double(m * k * n) / (ours / 1e3) / 1e9
        report("matmul \(m)x\(k)x\(n)", [("raw_ms", raw), ("circuitry_ms", ours), ("ratio", raw / ours), ("gflops", gflops)])
    }
}

/// Forward + backward of one kernel through the tape. The seed op hands the
/// kernel a fixed upstream gradient, so only the kernel's own backward is timed.
/// GB/s counts bytes read and written as `kernel_bytes` in tools/bench_torch.py does:
/// forward reads x and writes y, backward reads x (or y) and dy and writes dx — 5n
/// floats — plus `extraBytes` for per-feature weights (LayerNorm: weight, bias and weight again).
func benchKernel(_ name: String, shape: [Int], extraFloats: Int = 0, _ op: (Tensor) throws -> Tensor) throws {
    let x = random(shape, seed: 3), upstream = random(shape, seed: 4)
    let ms = try medianMilliseconds {
        let tape = Tape()
        let y = try op(tape.watch(x))
        let seed = try recordCustom("seed", inputs: [y], output: .scalar(0)) { (_, _) throws(TensorError) in [upstream] }
        _ = try tape.backward(from: seed)
    }
    let bytes = Double(5 * x.count + extraFloats) * 4
    report("\(name) fwd+bwd \(shape)", [("ms", ms), ("GB/s", bytes / (ms / 1e3) / 1e9)])
}

func benchKernels() throws {
    print("# kernels: forward + backward at GPT-2-small activation shapes (batch 16 × 32 tokens)")
    let d = 768
    let weight = random([d], seed: 5), bias = random([d], seed: 6)
    try benchKernel("layerNorm", shape: [512, d], extraFloats: 3 * d) { try layerNorm($0, weight: weight, bias: bias, eps: 1e-5) }
    try benchKernel("softmax causal", shape: [16, 12, 32, 32]) { try softmax($0, causal: true) }
    try benchKernel("gelu tanh", shape: [512, 3072]) { try gelu($0, approximation: .tanh) }
}

let arguments = Set(CommandLine.arguments.dropFirst())
let all = arguments.isEmpty || arguments.contains("all")
do {
    if all || arguments.contains("sgemm") { try benchSgemm() }
    if all || arguments.contains("kernels") { try benchKernels() }
} catch {
    FileHandle.standardError.write(Data("circuitry-bench: \(error)\n".utf8))
    exit(1)
}
