import Foundation
import Models
@testable import Attribution

/// Fixtures for the pair tests, found by walking up from this file to Package.swift.
enum PairsFixtures {
    static let root: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            let parent = folder.deletingLastPathComponent()
            precondition(parent.path != folder.path, "Package.swift not found above \(#filePath)")
            folder = parent
        }
        return folder
    }()

    static let gpt2Folder = root.appendingPathComponent("fixtures/models/gpt2")
    /// Byte-level BPE, 448 tokens, no BOS of its own (`bos_token` <|endoftext|> in tokenizer_config.json).
    static let gpt2: Tokenizer = try! Tokenizer.load(directory: gpt2Folder)
    /// A Llama-style BPE whose post-processor puts <s> first.
    static let llama: Tokenizer = try! Tokenizer.load(directory: root.appendingPathComponent("fixtures/tokenizers/llama-bpe"))
    static let templates = root.appendingPathComponent("circuits/roles/templates.json")

    /// ../shared/models/stories260K beside the repository, when present.
    static let stories260KFolder: URL? = {
        let folder = root.deletingLastPathComponent().appendingPathComponent("shared/models/stories260K")
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path) ? folder : nil
    }()

    /// A fresh temporary folder.
    static func temporaryFolder() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-pairs-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes `lines` (joined with newlines) to a temporary `name` and returns its URL.
    static func file(_ lines: [String], name: String = "pairs.jsonl") -> URL {
        let url = temporaryFolder().appendingPathComponent(name)
        try! Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url
    }

    /// The error of loading `lines` as a pairs file (nil when it loads).
    static func loadError(_ lines: [String], tokenizer: Tokenizer = gpt2, options: PairOptions = PairOptions()) -> PairError? {
        do {
            _ = try PairSet(contentsOf: file(lines), tokenizer: tokenizer, options: options)
            return nil
        } catch {
            return error
        }
    }
}

/// A JSONL line from key/value pairs, keys in the given order.
func pairLine(_ fields: KeyValuePairs<String, Any>) -> String {
    func json(_ value: Any) -> String {
        switch value {
        case let s as String:
            var out = ""
            JSONWriter.writeString(s, into: &out)
            return out
        case let i as Int: return String(i)
        case let a as [Int]: return "[" + a.map(String.init).joined(separator: ",") + "]"
        default: fatalError("unsupported value \(value)")
        }
    }
    return "{" + fields.map { "\"\($0.key)\": \(json($0.value))" }.joined(separator: ", ") + "}"
}
