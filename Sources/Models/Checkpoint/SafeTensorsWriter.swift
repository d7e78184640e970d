import Foundation
import Tensors

/// Writes tensors as a Float32 safetensors file that the Rust, Python and transformers readers load.
///
/// Tensors are laid out sorted by name, contiguous from offset 0; the JSON header is padded with
/// spaces to a multiple of 8 bytes (as the Rust library does), so the data buffer is 8-byte aligned.
public enum SafeTensorsWriter {
    /// The metadata transformers' `save_pretrained` writes.
    public static let defaultMetadata = ["format": "pt"]

    /// Writes `tensors` to `url` atomically: a temporary file in the same folder is written, flushed and
    /// renamed over `url`; on failure nothing is left behind and an existing file at `url` is untouched.
    /// Pass `metadata: nil` for no `__metadata__` entry.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String]? = defaultMetadata, to url: URL
    ) throws(CheckpointError) {
        let path = url.path
        let (header, order) = try makeHeader(tensors, metadata: metadata, path: path)
        let file = try AtomicFileWriter(path: path)
        try file.write([UInt64(header.count).littleEndian])
        try file.write(header)
        for name in order {
            #if _endian(little)
            try file.write(tensors[name]!.storage)
            #else
            try file.write(tensors[name]!.storage.map { $0.bitPattern.littleEndian })
            #endif
        }
        try file.commit()
    }

    /// The whole file as bytes (for small files and tests).
    public static func serialize(
        _ tensors: [String: Tensor], metadata: [String: String]? = defaultMetadata
    ) throws(CheckpointError) -> [UInt8] {
        let (header, order) = try makeHeader(tensors, metadata: metadata, path: "<memory>")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + order.reduce(0) { $0 + 4 * tensors[$1]!.count })
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for name in order {
            for value in tensors[name]!.storage {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }

    /// The padded JSON header and the tensor order.
    static func makeHeader(
        _ tensors: [String: Tensor], metadata: [String: String]?, path: String
    ) throws(CheckpointError) -> (header: [UInt8], order: [String]) {
        let order = tensors.keys.sorted()
        var json = "{"
        var first = true
        if let metadata {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for name in order {
            guard !name.isEmpty, name != "__metadata__" else {
                throw CheckpointError(path: path, .invalidTensorName(name))
            }
            let tensor = tensors[name]!
            let end = offset + 4 * tensor.count
            if !first { json += "," }
            first = false
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            json += "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var header = Array(json.utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        return (header, order)
    }

    /// A JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = ""
        JSONWriter.writeString(text, into: &out)
        return out
    }
}
