import Foundation
import Testing
@testable import Models
import Tensors

@Suite struct SafeTensorsShardedTests {
    let first = "model-00001-of-00002.safetensors"
    let second = "model-00002-of-00002.safetensors"

    /// Two shards and their index in `folder`.
    func writeShardedCheckpoint(in folder: CheckpointTestFolder) throws {
        try SafeTensorsWriter.write([
            "wte.weight": try Tensor(shape: [4, 2], storage: (0..<8).map(Float.init)),
            "h.0.ln_1.weight": try Tensor(shape: [2], storage: [1, 1]),
        ], to: folder.file(first))
        try SafeTensorsWriter.write([
            "h.1.ln_1.weight": try Tensor(shape: [2], storage: [2, 3]),
            "ln_f.bias": try Tensor(shape: [2], storage: [-1, 0.5]),
        ], to: folder.file(second))
        try folder.write("""
        {
          "metadata": {"total_size": 56, "format": "pt"},
          "weight_map": {
            "wte.weight": "\(first)", "h.0.ln_1.weight": "\(first)",
            "h.1.ln_1.weight": "\(second)", "ln_f.bias": "\(second)"
          }
        }
        """, to: Checkpoint.indexFileName)
    }

    @Test func readsTensorsAcrossShards() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try writeShardedCheckpoint(in: folder)
        let sharded = try ShardedSafeTensors(contentsOf: folder.file(Checkpoint.indexFileName))
        #expect(sharded.tensorNames == ["h.0.ln_1.weight", "h.1.ln_1.weight", "ln_f.bias", "wte.weight"])
        #expect(sharded.shardNames == [first, second])
        #expect(sharded.metadata == ["total_size": "56", "format": "pt"])
        #expect(try sharded.tensor("ln_f.bias").storage == [-1, 0.5])
        #expect(try sharded.tensor("wte.weight", shape: [4, 2]).storage == (0..<8).map(Float.init))
        #expect(try sharded.info("h.1.ln_1.weight").file == folder.file(second).path)
        #expect(try sharded.parameterCount == 14)
        expectCheckpointError(path: folder.file(Checkpoint.indexFileName).path, mentions: ["tensor 'wpe.weight' not found"]) {
            _ = try sharded.tensor("wpe.weight")
        }
        expectCheckpointError(path: folder.file(first).path, mentions: ["tensor 'wte.weight' has shape [4, 2], expected [2, 4]"]) {
            _ = try sharded.tensor("wte.weight", shape: [2, 4])
        }
    }

    @Test func checkpointFolderFindsTheIndex() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try writeShardedCheckpoint(in: folder)
        let checkpoint = try Checkpoint(directory: folder.url)
        guard case .sharded = checkpoint.weights else {
            Issue.record("expected a sharded checkpoint")
            return
        }
        #expect(checkpoint.tensorNames.count == 4)
        #expect(try checkpoint.tensor("h.1.ln_1.weight").storage == [2, 3])
        #expect(checkpoint.metadata["total_size"] == "56")
    }

    @Test func singleFileWinsOverTheIndex() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try writeShardedCheckpoint(in: folder)
        try SafeTensorsWriter.write(["only": Tensor.scalar(1)], to: folder.file(Checkpoint.weightsFileName))
        let checkpoint = try Checkpoint(directory: folder.path + "/")
        guard case .single = checkpoint.weights else {
            Issue.record("expected model.safetensors")
            return
        }
        #expect(checkpoint.tensorNames == ["only"])
        #expect(checkpoint.directory == folder.path)
    }

    @Test func indexNamingAMissingShard() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try writeShardedCheckpoint(in: folder)
        try FileManager.default.removeItem(at: folder.file(second))
        let index = folder.file(Checkpoint.indexFileName)
        let error = expectCheckpointError(path: index.path, mentions: [second, "does not exist", "'h.1.ln_1.weight'"]) {
            _ = try ShardedSafeTensors(contentsOf: index)
        }
        #expect(error?.kind == .missingShard(shard: second, tensor: "h.1.ln_1.weight"))
        expectCheckpointError(path: index.path, mentions: [second]) { _ = try Checkpoint(directory: folder.url) }
    }

    @Test func indexMappingATensorToTheWrongShard() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try writeShardedCheckpoint(in: folder)
        try folder.write(#"{"weight_map": {"ln_f.bias": "\#(first)"}}"#, to: Checkpoint.indexFileName)
        let index = folder.file(Checkpoint.indexFileName)
        let sharded = try ShardedSafeTensors(contentsOf: index)
        #expect(sharded.metadata == [:])
        expectCheckpointError(path: index.path, mentions: ["'ln_f.bias'", first, "no such tensor"]) { _ = try sharded.tensor("ln_f.bias") }
    }

    @Test func malformedIndexes() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let index = folder.file(Checkpoint.indexFileName)
        let cases: [(String, [String])] = [
            (#"{"weight_map": {"a": "x.safetensors",}"#, ["not valid JSON"]),
            (#"{"metadata": {}}"#, ["key 'weight_map' is missing"]),
            (#"{"weight_map": {"a": 3}}"#, ["'weight_map.a' has the wrong type", "a string"]),
            (#"{"weight_map": {"a": "../elsewhere.safetensors"}}"#, ["'../elsewhere.safetensors'", "inside the checkpoint folder"]),
            (#"[]"#, ["the index has the wrong type"]),
        ]
        for (text, mentions) in cases {
            try folder.write(text, to: Checkpoint.indexFileName)
            expectCheckpointError(path: index.path, mentions: ["invalid sharded index"] + mentions) { _ = try ShardedSafeTensors(contentsOf: index) }
        }
    }

    @Test func corruptShardIsNamedWhenFirstRead() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try writeShardedCheckpoint(in: folder)
        let bytes = try Data(contentsOf: folder.file(second))
        try bytes.prefix(bytes.count - 4).write(to: folder.file(second))
        let sharded = try ShardedSafeTensors(contentsOf: folder.file(Checkpoint.indexFileName))
        #expect(try sharded.tensor("wte.weight").count == 8, "the healthy shard still reads")
        expectCheckpointError(path: folder.file(second).path, mentions: ["'ln_f.bias'", "run past the end of the data"]) {
            _ = try sharded.tensor("ln_f.bias")
        }
    }

    @Test func folderWithoutSafetensorsSaysWhatItFound() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        try folder.write("{}", to: "config.json")
        expectCheckpointError(path: folder.path, mentions: ["no model.safetensors or model.safetensors.index.json"]) {
            _ = try Checkpoint(directory: folder.url)
        }
        // A Trainer checkpoint folder: only the model file counts as weights.
        for name in ["pytorch_model.bin", "training_args.bin", "optimizer.pt", "rng_state.pth"] {
            try folder.write([0x80, 0x02], to: name)
        }
        let error = expectCheckpointError(path: folder.path, mentions: ["found pytorch_model.bin:", "not supported", "convert", "safetensors"]) {
            _ = try Checkpoint(directory: folder.url)
        }
        #expect(error?.kind == .noWeights(found: ["pytorch_model.bin"]))
        #expect(error.map { !$0.description.contains("optimizer.pt") } ?? false)
        // Shards without their index are named too.
        try FileManager.default.removeItem(at: folder.file("pytorch_model.bin"))
        try SafeTensorsWriter.write([:], to: folder.file("model-00001-of-00002.safetensors"))
        let shards = expectCheckpointError(path: folder.path, mentions: ["found model-00001-of-00002.safetensors"]) {
            _ = try Checkpoint(directory: folder.url)
        }
        #expect(shards?.kind == .noWeights(found: ["model-00001-of-00002.safetensors"]))

        let missing = folder.file("step1000")
        expectCheckpointError(path: missing.path, mentions: ["no such folder"]) { _ = try Checkpoint(directory: missing) }
        expectCheckpointError(path: folder.file("config.json").path, mentions: ["not a folder"]) {
            _ = try Checkpoint(directory: folder.file("config.json"))
        }
    }
}
