import Foundation
import Testing
@testable import Models
import Tensors

/// A fresh temporary folder, removed when the test's `defer` calls `remove()`.
struct CheckpointTestFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("circuitry-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> URL {
        let target = file(name)
        try Data(bytes).write(to: target)
        return target
    }

    @discardableResult
    func write(_ text: String, to name: String) throws -> URL {
        try write(Array(text.utf8), to: name)
    }

    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Bytes of a safetensors file with the given header text and data, the length taken from the header
/// unless `declaredLength` overrides it.
func safetensorsBytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += headerBytes
    bytes += data
    return bytes
}

/// Little-endian bytes of 16-bit patterns.
func littleEndianBytes(_ values: [UInt16]) -> [UInt8] {
    values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
}

func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in (0..<4).map { UInt8((value.bitPattern >> (8 * $0)) & 0xFF) } }
}

func littleEndianBytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { value in (0..<8).map { UInt8((value.bitPattern >> (8 * $0)) & 0xFF) } }
}

func littleEndianBytes(_ values: [Int64]) -> [UInt8] {
    values.flatMap { value in (0..<8).map { UInt8((UInt64(bitPattern: value) >> (8 * $0)) & 0xFF) } }
}

/// Runs `body`, expects a `CheckpointError`, and checks its message names `path` and every string in `mentions`.
@discardableResult
func expectCheckpointError(
    path: String, mentions: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> CheckpointError? {
    let error = #expect(throws: CheckpointError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return nil }
    #expect(error.path == path, sourceLocation: sourceLocation)
    #expect(error.description.hasPrefix("\(path): "), "\(error)", sourceLocation: sourceLocation)
    for text in mentions {
        #expect(error.description.contains(text), "'\(error)' should mention \(text)", sourceLocation: sourceLocation)
    }
    return error
}


/// Bitwise equality, so NaN and -0 compare as written.
func sameBits(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
