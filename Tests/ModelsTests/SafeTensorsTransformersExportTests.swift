import Foundation
import Testing
@testable import Models
import Tensors

/// Manual compatibility check with transformers (no Python runs here). With
/// `CIRCUITRY_EXPORT_SRC=<folder of checkpoint folders>` and `CIRCUITRY_EXPORT_DST=<folder>` set,
/// every checkpoint in SRC is read (config + weights, any float dtype, single or sharded) and
/// written back as Float32 safetensors + config.json to DST/<name>. A Python script then loads
/// both with `AutoConfig` / `AutoModelForCausalLM` and compares configs and logits.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CIRCUITRY_EXPORT_SRC"] != nil
                    && ProcessInfo.processInfo.environment["CIRCUITRY_EXPORT_DST"] != nil,
                "set CIRCUITRY_EXPORT_SRC and CIRCUITRY_EXPORT_DST to run"))
struct SafeTensorsTransformersExportTests {
    @Test func rewriteCheckpointsForTransformers() throws {
        let environment = ProcessInfo.processInfo.environment
        let source = URL(fileURLWithPath: environment["CIRCUITRY_EXPORT_SRC"]!)
        let destination = URL(fileURLWithPath: environment["CIRCUITRY_EXPORT_DST"]!)
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).sorted()
        for name in names where FileManager.default.fileExists(atPath: source.appendingPathComponent("\(name)/config.json").path) {
            let checkpoint = try Checkpoint(directory: source.appendingPathComponent(name))
            let config = try checkpoint.loadConfig()
            var tensors: [String: Tensor] = [:]
            for tensorName in checkpoint.tensorNames { tensors[tensorName] = try checkpoint.tensor(tensorName) }
            let folder = destination.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try config.write(to: folder.appendingPathComponent("config.json"))
            try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
        }
    }
}
