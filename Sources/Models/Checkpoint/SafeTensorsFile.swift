import Foundation
import Tensors

/// A memory-mapped safetensors file.
///
/// Layout: a little-endian u64 header length N, N bytes of JSON header
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`, then the
/// data buffer. Opening validates the whole header against the file — dtypes, shapes, sizes,
/// bounds, overlaps — so a tensor that is listed can always be read. Data is converted to
/// Float32 only when a tensor is asked for.
public struct SafeTensorsFile: TensorSource {
    /// Path of the file, as given.
    public let path: String
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// Length of the JSON header in bytes (N); the data buffer starts at `8 + headerLength`.
    public let headerLength: Int
    /// Size of the data buffer in bytes.
    public let dataLength: Int
    /// Every tensor's dtype, shape and offsets, by name.
    public let infos: [String: TensorInfo]
    /// Tensor names, sorted.
    public let tensorNames: [String]

    private let mapping: SafeTensorsMapping

    /// The safetensors limit on header size (as in the Rust library).
    static let maxHeaderLength: UInt64 = 100_000_000

    public init(contentsOf url: URL) throws(CheckpointError) {
        try self.init(path: url.path)
    }

    public init(path: String) throws(CheckpointError) {
        self.path = path
        mapping = try SafeTensorsMapping(path: path)
        let bytes = mapping.bytes
        guard bytes.count >= 8 else { throw CheckpointError(path: path, .tooShort(bytes: bytes.count)) }
        let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(bytes.count - 8) else {
            throw CheckpointError(path: path, .truncatedHeader(headerBytes: declared, fileBytes: bytes.count))
        }
        guard declared <= Self.maxHeaderLength else {
            throw CheckpointError(path: path, .headerTooLarge(headerBytes: declared))
        }
        headerLength = Int(declared)
        dataLength = bytes.count - 8 - headerLength

        let header = Data(bytes: bytes.baseAddress! + 8, count: headerLength)
        guard header.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") else {
            throw CheckpointError(path: path, .invalidHeader("the header is not a JSON object (does not start with '{'); this is not a safetensors file"))
        }
        let parsed = try SafeTensorsHeaderJSON(header, path: path)
        metadata = parsed.metadata
        infos = try Self.validate(parsed.entries, dataLength: dataLength, path: path)
        tensorNames = infos.keys.sorted()
    }

    public func info(_ name: String) throws(CheckpointError) -> TensorInfo {
        guard let info = infos[name] else { throw CheckpointError(path: path, .tensorNotFound(name)) }
        return info
    }

    public func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        let info = try info(name)
        guard info.dtype.convertsToFloat32 else {
            throw CheckpointError(path: path, .unsupportedDType(tensor: name, dtype: info.dtype.rawValue))
        }
        let count = info.elementCount
        let source = UnsafeRawBufferPointer(rebasing: mapping.bytes[(8 + headerLength + info.dataOffsets.lowerBound)...])
        let storage = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            Self.convert(source, dtype: info.dtype, into: buffer)
            initialized = count
        }
        do {
            return try Tensor(shape: info.shape, storage: storage)
        } catch {
            throw CheckpointError(path: path, .invalidEntry(tensor: name, message: error.description))
        }
    }

    // MARK: - Validation

    private static func validate(
        _ entries: [SafeTensorsHeaderJSON.Entry], dataLength: Int, path: String
    ) throws(CheckpointError) -> [String: TensorInfo] {
        var infos: [String: TensorInfo] = [:]
        infos.reserveCapacity(entries.count)
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let name = entry.name
            guard let dtype = SafeTensorsDType(rawValue: entry.dtype) else {
                throw CheckpointError(path: path, .unknownDType(tensor: name, dtype: entry.dtype))
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError(path: path, .negativeShape(tensor: name, shape: entry.shape))
            }
            let offsets = entry.dataOffsets
            guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw CheckpointError(path: path, .invalidOffsets(tensor: name, offsets: offsets))
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard end <= dataLength else {
                throw CheckpointError(path: path, .offsetsPastEnd(tensor: name, begin: begin, end: end, dataBytes: dataLength))
            }
            var elements = 1
            var overflow = false
            for size in entry.shape where !overflow {
                (elements, overflow) = elements.multipliedReportingOverflow(by: size)
            }
            guard !overflow, let needed = dtype.byteCount(elements: elements) else {
                throw CheckpointError(path: path, .invalidEntry(
                    tensor: name, message: overflow
                        ? "shape \(entry.shape) is too large"
                        : "\(elements) elements of \(dtype.rawValue) do not fill whole bytes"))
            }
            guard needed == end - begin else {
                throw CheckpointError(path: path, .sizeMismatch(
                    tensor: name, dtype: dtype.rawValue, shape: entry.shape, expectedBytes: needed, actualBytes: end - begin))
            }
            infos[name] = TensorInfo(name: name, dtype: dtype, shape: entry.shape, dataOffsets: begin..<end, file: path)
        }
        // No two tensors may share bytes.
        let byOffset = infos.values.filter { !$0.dataOffsets.isEmpty }
            .sorted { ($0.dataOffsets.lowerBound, $0.name) < ($1.dataOffsets.lowerBound, $1.name) }
        for (previous, next) in zip(byOffset, byOffset.dropFirst())
        where next.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
            throw CheckpointError(path: path, .overlappingTensors(tensor: next.name, other: previous.name))
        }
        return infos
    }

    // MARK: - Conversion

    /// Converts `destination.count` little-endian elements of `dtype` at `source` to Float32.
    static func convert(_ source: UnsafeRawBufferPointer, dtype: SafeTensorsDType, into destination: UnsafeMutableBufferPointer<Float>) {
        let count = destination.count
        guard count > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        switch dtype {
        case .f32:
            #if _endian(little)
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
            #else
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            #endif
        case .f16:
            HalfPrecision.f16Table.withUnsafeBufferPointer { table in
                for i in 0..<count {
                    dst[i] = table[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
                }
            }
        case .bf16:
            for i in 0..<count {
                dst[i] = HalfPrecision.float(fromBF16: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .f64:
            for i in 0..<count {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .bool, .u8:
            for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
        case .i8:
            for i in 0..<count { dst[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
        case .i16: integers(src, dst, count, Int16.self)
        case .u16: integers(src, dst, count, UInt16.self)
        case .i32: integers(src, dst, count, Int32.self)
        case .u32: integers(src, dst, count, UInt32.self)
        case .i64: integers(src, dst, count, Int64.self)
        case .u64: integers(src, dst, count, UInt64.self)
        case .f4, .f6E2M3, .f6E3M2, .f8E5M2, .f8E4M3, .f8E8M0, .c64:
            preconditionFailure("\(dtype.rawValue) is not convertible; callers check convertsToFloat32")
        }
    }

    @inline(__always)
    private static func integers<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ count: Int, _ type: T.Type
    ) {
        let size = MemoryLayout<T>.size
        for i in 0..<count {
            dst[i] = Float(T(littleEndian: src.loadUnaligned(fromByteOffset: size * i, as: T.self)))
        }
    }
}

/// The JSON header, parsed with `JSONSerialization` so every type problem can name its tensor and field.
struct SafeTensorsHeaderJSON {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]
    }

    var entries: [Entry] = []
    var metadata: [String: String] = [:]

    init(_ header: Data, path: String) throws(CheckpointError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw CheckpointError(path: path, .invalidHeader("not valid JSON: \(jsonErrorDetail(error))"))
        }
        guard let top = object as? [String: Any] else {
            throw CheckpointError(path: path, .invalidHeader("the header is not a JSON object"))
        }
        for (name, value) in top {
            if name == "__metadata__" {
                if value is NSNull { continue }
                guard let pairs = value as? [String: Any] else {
                    throw CheckpointError(path: path, .invalidHeader("__metadata__ must be an object mapping strings to strings"))
                }
                for (key, item) in pairs {
                    guard let text = item as? String else {
                        throw CheckpointError(path: path, .invalidHeader("__metadata__ must be an object mapping strings to strings, but '\(key)' is not a string"))
                    }
                    metadata[key] = text
                }
                continue
            }
            func problem(_ message: String) -> CheckpointError {
                CheckpointError(path: path, .invalidEntry(tensor: name, message: message))
            }
            guard let fields = value as? [String: Any] else {
                throw problem("entry must be an object with dtype, shape and data_offsets")
            }
            func field(_ key: String) throws(CheckpointError) -> Any {
                guard let item = fields[key] else { throw problem("key '\(key)' is missing") }
                return item
            }
            func integers(_ key: String) throws(CheckpointError) -> [Int] {
                guard let items = try field(key) as? [Any] else { throw problem("'\(key)' has the wrong type (expected an array of integers)") }
                var result: [Int] = []
                for (index, item) in items.enumerated() {
                    guard let integer = jsonInteger(item) else {
                        throw problem("'\(key)[\(index)]' must be an integer, got \(item)")
                    }
                    result.append(integer)
                }
                return result
            }
            guard let dtype = try field("dtype") as? String else { throw problem("'dtype' has the wrong type (expected a string)") }
            entries.append(Entry(name: name, dtype: dtype, shape: try integers("shape"), dataOffsets: try integers("data_offsets")))
        }
    }
}

/// The integer a `JSONSerialization` value holds, or nil for anything else (strings, booleans,
/// numbers written with a fraction or exponent, integers beyond Int64).
func jsonInteger(_ value: Any) -> Int? {
    guard let number = value as? NSNumber else { return nil }
    // Booleans are "c", floating-point numbers "d" or "f" (on Linux and Darwin alike).
    guard !["c", "d", "f"].contains(String(cString: number.objCType)) else { return nil }
    return value as? Int
}

/// The position-bearing message of a `JSONSerialization` error, e.g. "Invalid value around character 22."
func jsonErrorDetail(_ error: any Error) -> String {
    let nsError = error as NSError
    return nsError.userInfo[NSDebugDescriptionErrorKey] as? String ?? nsError.localizedDescription
}
