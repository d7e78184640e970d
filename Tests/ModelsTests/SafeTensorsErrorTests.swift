import Foundation
import Testing
@testable import Models
import Tensors

/// Bad files: each must fail with a message naming the file and, where there is one, the tensor.
@Suite struct SafeTensorsErrorTests {
    /// Writes `bytes` and opens them, expecting an error that names the file and mentions `mentions`.
    @discardableResult
    func expectOpenFails(
        _ bytes: [UInt8], mentions: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CheckpointError? {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = try folder.write(bytes, to: "model.safetensors")
        return expectCheckpointError(path: url.path, mentions: mentions, sourceLocation: sourceLocation) {
            _ = try SafeTensorsFile(contentsOf: url)
        }
    }

    func entry(_ name: String, _ dtype: String, _ shape: [Int], _ offsets: [Int]) -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    @Test func emptyFile() throws {
        let error = try expectOpenFails([], mentions: ["empty"])
        #expect(error?.kind == .tooShort(bytes: 0))
    }

    @Test func fileShorterThanTheHeaderLength() throws {
        let error = try expectOpenFails([1, 2, 3, 4, 5], mentions: ["too short (5 bytes)"])
        #expect(error?.kind == .tooShort(bytes: 5))
    }

    @Test func headerLengthLargerThanTheFile() throws {
        let bytes = safetensorsBytes(header: "{}", data: [UInt8](repeating: 0x20, count: 90), declaredLength: 4096)
        #expect(bytes.count == 100)
        let error = try expectOpenFails(bytes, mentions: ["truncated: header says 4096 bytes but file has 100"])
        #expect(error?.kind == .truncatedHeader(headerBytes: 4096, fileBytes: 100))
        try expectOpenFails(safetensorsBytes(header: "{}", declaredLength: .max), mentions: ["truncated"])
    }

    @Test func truncatedHeaderJSON() throws {
        // The file was cut inside the header: the length fits, the JSON does not close.
        let header = "{" + entry("a", "F32", [1], [0, 4])
        try expectOpenFails(safetensorsBytes(header: header), mentions: ["invalid header", "not valid JSON"])
    }

    @Test func headerLengthBeyondTheLimit() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        // A sparse file larger than the limit, so the length fits in the file but not in the format.
        let url = folder.file("big.safetensors")
        try folder.write(safetensorsBytes(header: "", declaredLength: 100_000_001), to: "big.safetensors")
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 100_000_100)
        try handle.close()
        let error = expectCheckpointError(path: url.path, mentions: ["100000001", "limit"]) { _ = try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == .headerTooLarge(headerBytes: 100_000_001))
    }

    @Test func invalidJSON() throws {
        try expectOpenFails(safetensorsBytes(header: #"{"a": {"dtype": "F32",, }"#), mentions: ["invalid header", "not valid JSON"])
        try expectOpenFails(safetensorsBytes(header: "[1, 2]"), mentions: ["not a JSON object"])
        try expectOpenFails(safetensorsBytes(header: "PK\u{3}\u{4}"), mentions: ["not a safetensors file"])
        try expectOpenFails(safetensorsBytes(header: #"{"a": 3}"#), mentions: ["tensor 'a'", "dtype, shape and data_offsets"])
    }

    @Test func malformedEntries() throws {
        try expectOpenFails(safetensorsBytes(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                            mentions: ["tensor 'w'", "key 'dtype' is missing"])
        try expectOpenFails(safetensorsBytes(header: #"{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                            mentions: ["tensor 'w'", "'shape' has the wrong type"])
        try expectOpenFails(safetensorsBytes(header: #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                            mentions: ["tensor 'w'", "shape[0]"])
        try expectOpenFails(safetensorsBytes(header: #"{"__metadata__":{"step":3}}"#), mentions: ["__metadata__", "strings"])
    }

    @Test func unknownDType() throws {
        let error = try expectOpenFails(safetensorsBytes(header: "{\(entry("h.0.mlp.weight", "F17", [1], [0, 4]))}", data: [0, 0, 0, 0]),
                                        mentions: ["tensor 'h.0.mlp.weight'", "unknown dtype 'F17'", "BF16"])
        #expect(error?.kind == .unknownDType(tensor: "h.0.mlp.weight", dtype: "F17"))
    }

    @Test func negativeShape() throws {
        try expectOpenFails(safetensorsBytes(header: "{\(entry("w", "F32", [-1, 4], [0, 4]))}", data: [0, 0, 0, 0]),
                            mentions: ["tensor 'w'", "negative", "[-1, 4]"])
    }

    @Test func invalidOffsets() throws {
        try expectOpenFails(safetensorsBytes(header: "{\(entry("w", "F32", [1], [4, 0]))}", data: [0, 0, 0, 0]),
                            mentions: ["tensor 'w'", "data_offsets [4, 0]"])
        try expectOpenFails(safetensorsBytes(header: "{\(entry("w", "F32", [1], [0, 4, 8]))}", data: [0, 0, 0, 0]),
                            mentions: ["tensor 'w'", "data_offsets [0, 4, 8]"])
    }

    @Test func offsetsPastTheEndOfTheData() throws {
        let name = "h.0.attn.c_attn.weight"
        let error = try expectOpenFails(
            safetensorsBytes(header: "{\(entry(name, "F32", [24997], [10, 99999]))}", data: [UInt8](repeating: 0, count: 8192)),
            mentions: ["tensor 'h.0.attn.c_attn.weight' data_offsets [10, 99999] run past the end of the data (8192 bytes)"])
        #expect(error?.kind == .offsetsPastEnd(tensor: name, begin: 10, end: 99999, dataBytes: 8192))
    }

    @Test func sizeNotMatchingShape() throws {
        let error = try expectOpenFails(safetensorsBytes(header: "{\(entry("w", "F16", [2, 3], [0, 8]))}", data: [UInt8](repeating: 0, count: 8)),
                                        mentions: ["tensor 'w'", "8 bytes", "F16 shape [2, 3] needs 12"])
        #expect(error?.kind == .sizeMismatch(tensor: "w", dtype: "F16", shape: [2, 3], expectedBytes: 12, actualBytes: 8))
        // Sizes whose product overflows are an error, not a crash.
        try expectOpenFails(safetensorsBytes(header: "{\(entry("w", "F32", [1 << 40, 1 << 40], [0, 8]))}", data: [UInt8](repeating: 0, count: 8)),
                            mentions: ["tensor 'w'", "shape [1099511627776, 1099511627776] is too large"])
        try expectOpenFails(safetensorsBytes(header: "{\(entry("w", "F4", [3], [0, 2]))}", data: [0, 0]),
                            mentions: ["tensor 'w'", "3 elements of F4 do not fill whole bytes"])
    }

    @Test func overlappingTensors() throws {
        let header = "{\(entry("a", "F32", [2], [0, 8])),\(entry("b", "F32", [2], [4, 12]))}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 12)), mentions: ["'a'", "'b'", "overlap"])
        #expect(error?.kind == .overlappingTensors(tensor: "b", other: "a"))
    }

    @Test func missingTensor() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = folder.file("model.safetensors")
        try SafeTensorsWriter.write(["wte.weight": try Tensor(shape: [2], storage: [1, 2])], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        let error = expectCheckpointError(path: url.path, mentions: ["tensor 'wpe.weight' not found"]) { _ = try file.tensor("wpe.weight") }
        #expect(error?.kind == .tensorNotFound("wpe.weight"))
        #expect(!file.contains("wpe.weight"))
        #expect(file.contains("wte.weight"))
    }

    @Test func wrongShape() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = folder.file("model.safetensors")
        try SafeTensorsWriter.write(["x": try Tensor(shape: [3, 4], storage: [Float](repeating: 1, count: 12))], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        expectCheckpointError(path: url.path, mentions: ["tensor 'x' has shape [3, 4], expected [4, 3]"]) {
            _ = try file.tensor("x", shape: [4, 3])
        }
        #expect(try file.tensor("x", shape: [3, 4]).shape == [3, 4])
    }

    @Test func unreadablePaths() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let missing = folder.file("nope.safetensors")
        expectCheckpointError(path: missing.path, mentions: ["cannot read", "No such file"]) { _ = try SafeTensorsFile(contentsOf: missing) }
        expectCheckpointError(path: folder.path, mentions: ["not a regular file"]) { _ = try SafeTensorsFile(path: folder.path) }
    }
}
