import Foundation
import Testing
@testable import Models
import Tensors

@Suite struct SafeTensorsRoundTripTests {
    static let specials: [Float] = [0, -0.0, 1, -2.5, .infinity, -.infinity, .leastNonzeroMagnitude,
                                    .greatestFiniteMagnitude, .ulpOfOne, Float(bitPattern: 0x7FC0_1234)]

    func sampleTensors() throws -> [String: Tensor] {
        [
            "b.weight": try Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6]),
            "a.bias": try Tensor(shape: [10], storage: Self.specials),
            "scalar": Tensor.scalar(3.25),
            "empty": try Tensor(shape: [0, 4], storage: []),
            "h.0.attn.c_attn.weight": try Tensor(shape: [4, 3, 2], storage: (0..<24).map { Float($0) * 0.125 - 1 }),
        ]
    }

    @Test func writtenTensorsReadBackBitForBit() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let tensors = try sampleTensors()
        let url = folder.file("model.safetensors")
        try SafeTensorsWriter.write(tensors, to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.tensorNames == tensors.keys.sorted())
        for (name, expected) in tensors {
            let read = try file.tensor(name)
            #expect(read.shape == expected.shape, "\(name)")
            #expect(sameBits(read.storage, expected.storage), "\(name)")
            #expect(try file.info(name).dtype == .f32)
        }
        #expect(folder.contents == ["model.safetensors"], "no temporary file is left behind")
    }

    @Test func layoutIsSortedContiguousAndPaddedToEightBytes() throws {
        let tensors = try sampleTensors()
        for metadata in [nil, ["format": "pt"], ["k": "v\u{1}", "x": "three"]] as [[String: String]?] {
            let bytes = try SafeTensorsWriter.serialize(tensors, metadata: metadata)
            let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
            #expect(headerLength % 8 == 0)
            #expect((8 + headerLength) % 8 == 0)
            let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
            #expect(header.hasPrefix("{"))
            let end = try #require(header.lastIndex(of: "}"))
            #expect(header[header.index(after: end)...].allSatisfy { $0 == " " }, "padding is spaces")
            #expect(header.contains("\"__metadata__\"") == (metadata != nil))

            let folder = try CheckpointTestFolder()
            defer { folder.remove() }
            let file = try SafeTensorsFile(contentsOf: try folder.write(bytes, to: "x.safetensors"))
            #expect(file.headerLength == headerLength)
            var offset = 0
            for name in tensors.keys.sorted() {
                let info = try file.info(name)
                #expect(info.dataOffsets == offset..<(offset + 4 * tensors[name]!.count), "\(name)")
                offset = info.dataOffsets.upperBound
            }
            #expect(file.dataLength == offset)
            #expect(bytes.count == 8 + headerLength + offset)
        }
    }

    @Test func metadataRoundTrips() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let tensors = ["x": try Tensor(shape: [1], storage: [1])]
        let metadata = ["format": "pt", "step": "1000", "quote\"and\\slash": "line\nbreak\ttab ünïcödé ✓"]
        try SafeTensorsWriter.write(tensors, metadata: metadata, to: folder.file("m.safetensors"))
        #expect(try SafeTensorsFile(contentsOf: folder.file("m.safetensors")).metadata == metadata)

        try SafeTensorsWriter.write(tensors, to: folder.file("default.safetensors"))
        #expect(try SafeTensorsFile(contentsOf: folder.file("default.safetensors")).metadata == ["format": "pt"])

        try SafeTensorsWriter.write(tensors, metadata: nil, to: folder.file("none.safetensors"))
        #expect(try SafeTensorsFile(contentsOf: folder.file("none.safetensors")).metadata == [:])
    }

    @Test func fileWriterMatchesInMemorySerialization() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let tensors = try sampleTensors()
        try SafeTensorsWriter.write(tensors, to: folder.file("a.safetensors"))
        let written = try Data(contentsOf: folder.file("a.safetensors"))
        #expect(Array(written) == (try SafeTensorsWriter.serialize(tensors)))
    }

    @Test func writeReplacesAnExistingFileAtomically() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = folder.file("model.safetensors")
        try SafeTensorsWriter.write(["old": try Tensor(shape: [1], storage: [1])], to: url)
        try SafeTensorsWriter.write(["new": try Tensor(shape: [2], storage: [2, 3])], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.tensorNames == ["new"])
        #expect(folder.contents == ["model.safetensors"])
    }

    @Test func failedWritesLeaveNothingBehind() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let url = folder.file("model.safetensors")
        try SafeTensorsWriter.write(["keep": try Tensor(shape: [1], storage: [7])], to: url)
        let before = try Data(contentsOf: url)

        expectCheckpointError(path: url.path, mentions: ["'__metadata__'"]) {
            try SafeTensorsWriter.write(["__metadata__": try Tensor(shape: [1], storage: [1])], to: url)
        }
        #expect(try Data(contentsOf: url) == before, "the old file is untouched")
        #expect(folder.contents == ["model.safetensors"])

        let missing = folder.file("no-such-folder/model.safetensors")
        expectCheckpointError(path: missing.path, mentions: ["cannot write"]) {
            try SafeTensorsWriter.write(["x": try Tensor(shape: [1], storage: [1])], to: missing)
        }
        #expect(folder.contents == ["model.safetensors"])
    }

    @Test func writerOutputIsByteForByteWhatTheRustLibraryWrites() throws {
        // safetensors 0.8: save({"a": tensor([1., 2.]), "b.w": zeros(2, 1)}, metadata={"format": "pt"}),
        // 168 bytes, header length 0x90 = 144.
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b.w":{"dtype":"F32","shape":[2,1],"data_offsets":[8,16]}} "#
        let expected = safetensorsBytes(header: header, data: littleEndianBytes([Float(1), 2, 0, 0]))
        #expect(expected.count == 168 && expected[0] == 0x90)
        let bytes = try SafeTensorsWriter.serialize([
            "b.w": try Tensor(shape: [2, 1], storage: [0, 0]), "a": try Tensor(shape: [2], storage: [1, 2]),
        ])
        #expect(bytes == expected)
    }
}
