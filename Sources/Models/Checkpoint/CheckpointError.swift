/// Everything that can go wrong reading or writing a checkpoint folder: safetensors files,
/// sharded indexes and `config.json`.
///
/// The message always starts with the file's path, and names the tensor or the JSON key
/// where one is involved, e.g.
/// `step1000/model.safetensors: tensor 'h.0.attn.c_attn.weight' data_offsets [10, 99999] run past the end of the data (8192 bytes)`.
public struct CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or folder) the problem is in, as given by the caller.
    public var path: String
    public var kind: Kind

    public init(path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public enum Kind: Equatable, Sendable {
        // Files and folders.
        /// The file could not be opened, read or mapped (`reason` is the system's message).
        case cannotRead(reason: String)
        /// A checkpoint folder holds neither `model.safetensors` nor `model.safetensors.index.json`.
        /// `found` lists other weight files seen there (e.g. `pytorch_model.bin`).
        case noWeights(found: [String])
        /// The file could not be written; nothing was left behind.
        case cannotWrite(reason: String)

        // Safetensors layout.
        /// Shorter than the 8-byte header length.
        case tooShort(bytes: Int)
        /// The header length runs past the end of the file.
        case truncatedHeader(headerBytes: UInt64, fileBytes: Int)
        /// The header length is beyond the safetensors limit (100 MB).
        case headerTooLarge(headerBytes: UInt64)
        /// The header is not valid JSON or does not have the safetensors layout.
        case invalidHeader(String)
        /// A tensor entry is malformed (a field missing or of the wrong type).
        case invalidEntry(tensor: String, message: String)
        case unknownDType(tensor: String, dtype: String)
        case negativeShape(tensor: String, shape: [Int])
        case invalidOffsets(tensor: String, offsets: [Int])
        case offsetsPastEnd(tensor: String, begin: Int, end: Int, dataBytes: Int)
        case sizeMismatch(tensor: String, dtype: String, shape: [Int], expectedBytes: Int, actualBytes: Int)
        case overlappingTensors(tensor: String, other: String)
        /// The tensor's dtype is valid safetensors but cannot be converted to Float32.
        case unsupportedDType(tensor: String, dtype: String)

        // Lookups.
        case tensorNotFound(String)
        case shapeMismatch(tensor: String, shape: [Int], expected: [Int])

        // Sharded checkpoints.
        /// The index is not valid JSON or lacks a usable `weight_map`.
        case invalidIndex(String)
        /// The index names a shard file that does not exist.
        case missingShard(shard: String, tensor: String)
        /// The index maps a tensor to a shard that does not contain it.
        case tensorNotInShard(tensor: String, shard: String)

        // Tensors handed to the writer.
        case invalidTensorName(String)

        // config.json.
        case invalidJSON(String)
        /// A required key is absent. `key` is the dotted coding path, e.g. `n_embd` or `rope_parameters.factor`.
        case missingKey(String)
        /// A key holds a value of the wrong type (or null where a value is needed).
        case wrongType(key: String, expected: String)
        case unknownModelType(String?, supported: [String])
        /// Values that decode but do not describe a valid model.
        case invalidConfig(String)
        /// A valid transformers setting circuitry does not implement yet.
        case unsupported(String, supported: String)
    }

    public var description: String { "\(path): \(kind.message)" }
}

extension CheckpointError.Kind {
    /// The message without the file path.
    public var message: String {
        switch self {
        case let .cannotRead(reason):
            return "cannot read: \(reason)"
        case let .noWeights(found):
            var text = "no model.safetensors or model.safetensors.index.json in this folder"
            let pytorch = found.filter { name in [".bin", ".pt", ".pth", ".ckpt"].contains { name.hasSuffix($0) } }
            if !pytorch.isEmpty {
                text += "; found \(found.joined(separator: ", ")): PyTorch pickle checkpoints are not supported, "
                    + "convert them to safetensors (e.g. `AutoModelForCausalLM.from_pretrained(path).save_pretrained(path, safe_serialization=True)`)"
            } else if !found.isEmpty {
                text += "; found \(found.joined(separator: ", "))"
            }
            return text
        case let .cannotWrite(reason):
            return "cannot write: \(reason)"
        case let .tooShort(bytes):
            return bytes == 0
                ? "file is empty; a safetensors file starts with an 8-byte header length"
                : "file is too short (\(bytes) bytes); a safetensors file starts with an 8-byte header length"
        case let .truncatedHeader(headerBytes, fileBytes):
            return "truncated: header says \(headerBytes) bytes but file has \(fileBytes)"
        case let .headerTooLarge(headerBytes):
            return "header length \(headerBytes) bytes is larger than the safetensors limit of 100000000 bytes; this is not a safetensors file"
        case let .invalidHeader(message):
            return "invalid header: \(message)"
        case let .invalidEntry(tensor, message):
            return "tensor '\(tensor)': \(message)"
        case let .unknownDType(tensor, dtype):
            return "tensor '\(tensor)' has unknown dtype '\(dtype)' (known: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .negativeShape(tensor, shape):
            return "tensor '\(tensor)' has a negative size in shape \(shape)"
        case let .invalidOffsets(tensor, offsets):
            return "tensor '\(tensor)' has invalid data_offsets \(offsets) (expected [begin, end] with 0 <= begin <= end)"
        case let .offsetsPastEnd(tensor, begin, end, dataBytes):
            return "tensor '\(tensor)' data_offsets [\(begin), \(end)] run past the end of the data (\(dataBytes) bytes)"
        case let .sizeMismatch(tensor, dtype, shape, expectedBytes, actualBytes):
            return "tensor '\(tensor)' has \(actualBytes) bytes of data but \(dtype) shape \(shape) needs \(expectedBytes)"
        case let .overlappingTensors(tensor, other):
            return "tensors '\(other)' and '\(tensor)' overlap in the data buffer"
        case let .unsupportedDType(tensor, dtype):
            return "tensor '\(tensor)' has dtype \(dtype), which cannot be converted to Float32 (supported: F32, F16, BF16, F64, integers, BOOL)"
        case let .tensorNotFound(name):
            return "tensor '\(name)' not found"
        case let .shapeMismatch(tensor, shape, expected):
            return "tensor '\(tensor)' has shape \(shape), expected \(expected)"
        case let .invalidIndex(message):
            return "invalid sharded index: \(message)"
        case let .missingShard(shard, tensor):
            return "weight_map names shard '\(shard)' (for tensor '\(tensor)'), but that file does not exist"
        case let .tensorNotInShard(tensor, shard):
            return "the index maps tensor '\(tensor)' to '\(shard)', but that shard has no such tensor"
        case let .invalidTensorName(name):
            return "invalid tensor name '\(name)'"
        case let .invalidJSON(message):
            return "not valid JSON: \(message)"
        case let .missingKey(key):
            return "key '\(key)' is missing"
        case let .wrongType(key, expected):
            return "key '\(key)' has the wrong type (expected \(expected))"
        case let .unknownModelType(modelType, supported):
            let list = supported.map { "'\($0)'" }.joined(separator: ", ")
            if let modelType { return "model_type '\(modelType)' is not supported (supported: \(list))" }
            return "model_type is missing (supported: \(list))"
        case let .invalidConfig(message):
            return message
        case let .unsupported(what, supported):
            return "\(what) is not supported yet (supported: \(supported))"
        }
    }
}
