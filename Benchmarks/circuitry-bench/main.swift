// circuitry's benchmarks: release build, medians of repeated runs.
//   swift run -c release circuitry-bench [sgemm|kernels|forward|train|attribution|all]
// The PyTorch baselines are in tools/bench_torch.py (same shapes, same byte counts).

import CBLAS
import Attribution
import Foundation
import Models
import Tensors
import Training

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

/// circuitry's matmul (single-threaded OpenBLAS calls split over circuitry's threads) against
/// one raw cblas_sgemm threaded by OpenBLAS itself over as many threads, same operands, same run.
func benchSgemm() throws {
    let threads = ComputeThreads.current
    print("# sgemm: circuitry matmul vs raw cblas_sgemm on \(threads) OpenBLAS threads (median ms; ratio = raw/circuitry, target ≥ 0.85)")
    for (m, k, n) in [(768, 3072, 768), (256, 2304, 768)] {
        let a = random([m, k], seed: 1), b = random([k, n], seed: 2)
        var c = [Float](repeating: 0, count: m * n)
        let ours = try medianMilliseconds { _ = try matmul(a, b) }
        // OpenBLAS's own threading for the raw call only; circuitry's products keep it at 1.
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
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

/// One forward pass of a GPT-2-small-shaped model (random weights made in-process),
/// 16 sequences × 32 tokens, full-vocabulary logits: tools/bench_torch.py `forward`.
func benchForward() throws {
    print("# forward: GPT-2 small shape (12 layers, d_model 768, 12 heads, vocab 50257), batch 16 × 32, full logits")
    let config = ModelConfig.gpt2(GPT2Config(nEmbd: 768, nLayer: 12, nHead: 12, vocabSize: 50257, nPositions: 1024))
    let model = try Transformer.randomlyInitialized(config: config, seed: 0)
    var state: UInt64 = 1
    let sequences = (0..<16).map { _ in
        (0..<32).map { _ -> Int in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % 50257
        }
    }
    let batch = try TokenBatch(sequences)
    let ms = try medianMilliseconds(warmup: 2, runs: 10) { _ = try model.logits(batch) }
    // The FLOP count of bench_torch.py: matmuls of the blocks and the unembedding, plus attention.
    let (tokens, d, mlp) = (512.0, 768.0, 3072.0)
    let gflop = (2 * tokens * (12 * (4 * d * d + 2 * d * mlp) + d * 50257) + 12 * 2 * 2 * 16 * 32 * 32 * d) / 1e9
    report("forward 16x32", [("ms", ms), ("gflop", gflop), ("gflops", gflop / (ms / 1e3))])
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

/// The GPT-2-small-shaped model and 16 minimal pairs of 32 tokens (one token differs) of
/// tools/bench_torch.py `eap`.
func gpt2SmallPairs() throws -> (Transformer, PairBatch) {
    let config = ModelConfig.gpt2(GPT2Config(nEmbd: 768, nLayer: 12, nHead: 12, vocabSize: 50257, nPositions: 1024))
    let model = try Transformer.randomlyInitialized(config: config, seed: 0)
    var state: UInt64 = 1
    func next() -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int(state >> 33) % 50257
    }
    let clean = (0..<16).map { _ in (0..<32).map { _ in next() } }
    let corrupted = clean.map { prompt in prompt.enumerated().map { $0.offset == 10 ? next() : $0.element } }
    let batch = try PairBatch(clean: clean, corrupted: corrupted, answers: (0..<16).map { _ in next() },
                              foils: (0..<16).map { _ in next() })
    return (model, batch)
}

/// One EAP batch against one forward pass, and exact per-node patching, on the same pairs.
/// `eapOnly` times just the forward and the EAP batch (for profiling).
func benchAttribution(exact: Bool, eapOnly: Bool = false) throws {
    print("# attribution: GPT-2 small shape, 16 pairs × 32 tokens, logit difference")
    let (model, batch) = try gpt2SmallPairs()
    let forward = try medianMilliseconds(warmup: 1, runs: 5) { _ = try model.finalResidual(batch.clean) }
    report("forward (no unembedding)", [("ms", forward)])
    for method in eapOnly ? [AttributionMethod.eap] : [.atp, .eap] {
        let ms = try medianMilliseconds(warmup: 1, runs: 5) { _ = try Attributor(model: model, method: method).run([batch]) }
        report("\(method.rawValue) batch", [("ms", ms), ("x_forward", ms / forward)])
    }
    if eapOnly { return }
    let ig = try medianMilliseconds(warmup: 0, runs: 3) { _ = try Attributor(model: model, method: .eapIG).run([batch]) }
    report("eap-ig batch (5 steps)", [("ms", ig), ("x_forward", ig / forward)])
    if exact {
        let start = ContinuousClock.now
        _ = try Attributor(model: model, method: .exact).run([batch])
        let ms = Double((ContinuousClock.now - start).components.attoseconds) / 1e15
            + Double((ContinuousClock.now - start).components.seconds) * 1e3
        report("exact patching (157 nodes)", [("ms", ms), ("x_forward", ms / forward)])
    }
    report("peak memory", [("MiB", peakMemoryMiB())])
}

/// Training throughput: full optimisation steps (forward, backward, clipping, AdamW) of the bundled
/// series' model (GPT-2, 2 layers, 4 heads, d_model 64, the role vocabulary of 82) on a fixed batch
/// of 64 × 16 tokens, loss on the last position. tools/bench_torch.py `train` runs the same model,
/// batch and optimiser in PyTorch.
func benchTrain() throws {
    let threads = ProcessInfo.processInfo.environment["BENCH_THREADS"].flatMap(Int.init) ?? 2
    print("# train: tokens/s of AdamW steps, gpt2 2x4 d64 vocab 82, batch 64x16, loss on the answer position, \(threads) threads")
    let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("circuits/roles/templates.json")
    let language = try RoleLanguage(templatesFile: templates)
    var settings = TrainingSettings()
    settings.steps = 1_000_000
    settings.threads = threads
    settings.heldOutExamples = 1
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-bench-train-\(getpid())")
    ComputeThreads.set(threads)
    defer { ComputeThreads.set(ComputeThreads.available) }
    var trainer = try Trainer(settings: settings, language: language, out: scratch, resume: false)
    let (batch, length, vocab) = (64, 16, language.vocabularySize)
    var state: UInt64 = 7
    let ids = (0..<(batch * length)).map { _ -> Int in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return 4 + Int((state >> 33) % UInt64(vocab - 4))
    }
    var targets = [Int](repeating: -100, count: batch * length)
    for b in 0..<batch { targets[b * length + length - 1] = ids[b * length + (b % (length - 1))] }
    let tokens = try TokenBatch((0..<batch).map { Array(ids[($0 * length)..<(($0 + 1) * length)]) })
    let ms = try medianMilliseconds(warmup: 5, runs: 30) { _ = try trainer.update(batch: tokens, targets: targets) }
    report("train gpt2-2x4-d64 b64x16", [("median_ms", ms), ("tokens_per_s", Double(batch * length) / (ms / 1e3))])
}

MemoryTuning.keepFreedTensorMemory()
let arguments = Set(CommandLine.arguments.dropFirst())
let all = arguments.isEmpty || arguments.contains("all")
do {
    if all || arguments.contains("sgemm") { try benchSgemm() }
    if all || arguments.contains("kernels") { try benchKernels() }
    if all || arguments.contains("forward") { try benchForward() }
    if all || arguments.contains("train") { try benchTrain() }
    if all || arguments.contains("attribution") { try benchAttribution(exact: arguments.contains("exact")) }
    if arguments.contains("eap") { try benchAttribution(exact: false, eapOnly: true) }
} catch {
    FileHandle.standardError.write(Data("circuitry-bench: \(error)\n".utf8))
    exit(1)
}
