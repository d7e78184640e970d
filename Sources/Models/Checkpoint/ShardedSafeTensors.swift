import Foundation
import Tensors

/// A checkpoint split over several safetensors files by a `model.safetensors.index.json`
/// (`{"metadata": {...}, "weight_map": {tensor: shard file}}`).
///
/// Opening reads the index and checks that every shard it names exists; each shard is
/// memory-mapped and validated the first time one of its tensors is asked for.
public final class ShardedSafeTensors: TensorSource, @unchecked Sendable {
    /// Path of the index file, as given.
    public let path: String
    /// The folder the shard names are relative to.
    public let directory: String
    /// The index's `metadata`, scalars as strings (e.g. `total_size`).
    public let metadata: [String: String]
    /// Tensor name → shard file name.
    public let weightMap: [String: String]
    public let tensorNames: [String]
    /// Shard file names, sorted.
    public let shardNames: [String]

    private let lock = NSLock()
    private var openShards: [String: SafeTensorsFile] = [:]

    public convenience init(contentsOf url: URL) throws(CheckpointError) {
        try self.init(path: url.path)
    }

    public init(path: String) throws(CheckpointError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        directory = slash.map { String(path[..<$0]) } ?? "."
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CheckpointError(path: path, .cannotRead(reason: Self.reason(error)))
        }
        let index: ShardIndexJSON
        do {
            index = try JSONDecoder().decode(ShardIndexJSON.self, from: data)
        } catch {
            let problem = CheckpointDecodingProblem(error, json: data)
            switch problem.kind {
            case let .invalidJSON(detail): throw CheckpointError(path: path, .invalidIndex("not valid JSON: \(detail)"))
            case .missingKey: throw CheckpointError(path: path, .invalidIndex("key '\(problem.keyPath)' is missing"))
            case let .wrongType(expected):
                let what = problem.keyPath.isEmpty ? "the index" : "'\(problem.keyPath)'"
                throw CheckpointError(path: path, .invalidIndex("\(what) has the wrong type (expected \(expected))"))
            case let .invalidValue(detail): throw CheckpointError(path: path, .invalidIndex("'\(problem.keyPath)': \(detail)"))
            }
        }
        let map = index.weightMap
        let names = map.keys.sorted()
        metadata = index.metadata
        weightMap = map
        tensorNames = names
        let firstTensor = Dictionary(names.map { (map[$0]!, $0) }, uniquingKeysWith: { first, _ in first })
        shardNames = firstTensor.keys.sorted()
        for shard in shardNames {
            let components = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard !shard.isEmpty, !shard.hasPrefix("/"), !components.contains(".."), !components.contains("") else {
                throw CheckpointError(path: path, .invalidIndex("shard name '\(shard)' (for tensor '\(firstTensor[shard]!)') must be a file name inside the checkpoint folder"))
            }
            guard FileManager.default.fileExists(atPath: "\(directory)/\(shard)") else {
                throw CheckpointError(path: path, .missingShard(shard: shard, tensor: firstTensor[shard]!))
            }
        }
    }

    /// The opened (mapped and validated) shard holding `name`.
    public func shard(for name: String) throws(CheckpointError) -> SafeTensorsFile {
        guard let shard = weightMap[name] else { throw CheckpointError(path: path, .tensorNotFound(name)) }
        return try open(shard)
    }

    public func info(_ name: String) throws(CheckpointError) -> TensorInfo {
        let file = try shard(for: name)
        guard let info = file.infos[name] else {
            throw CheckpointError(path: path, .tensorNotInShard(tensor: name, shard: weightMap[name]!))
        }
        return info
    }

    public func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        _ = try info(name)
        return try shard(for: name).tensor(name)
    }

    private func shardPath(_ shard: String) -> String { "\(directory)/\(shard)" }

    private func open(_ shard: String) throws(CheckpointError) -> SafeTensorsFile {
        lock.lock()
        defer { lock.unlock() }
        if let file = openShards[shard] { return file }
        let file = try SafeTensorsFile(path: shardPath(shard))
        openShards[shard] = file
        return file
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return nsError.localizedDescription
    }
}

/// `model.safetensors.index.json`: `weight_map` required, `metadata` scalars kept as strings.
struct ShardIndexJSON: Decodable {
    var metadata: [String: String] = [:]
    var weightMap: [String: String]

    private enum CodingKeys: String, CodingKey {
        case metadata
        case weightMap = "weight_map"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        weightMap = try container.decode([String: String].self, forKey: .weightMap)
        if container.contains(.metadata), try !container.decodeNil(forKey: .metadata) {
            let object = try container.nestedContainer(keyedBy: CheckpointCodingKey.self, forKey: .metadata)
            for key in object.allKeys {
                if let text = try? object.decode(String.self, forKey: key) {
                    metadata[key.stringValue] = text
                } else if let integer = try? object.decode(Int.self, forKey: key) {
                    metadata[key.stringValue] = String(integer)
                } else if let number = try? object.decode(Double.self, forKey: key) {
                    metadata[key.stringValue] = String(number)
                } else if let flag = try? object.decode(Bool.self, forKey: key) {
                    metadata[key.stringValue] = String(flag)
                }
            }
        }
    }
}
