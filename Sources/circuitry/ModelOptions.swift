import ArgumentParser
import Foundation
import Models

/// `--model DIR`, shared by every command that reads a checkpoint.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json).",
                                            valueName: "dir"))
    var model: String

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--model \(model): no such folder")
        }
        guard FileManager.default.fileExists(atPath: "\(model)/config.json") else {
            throw ValidationError("--model \(model): no config.json in the folder (expected a Hugging Face checkpoint)")
        }
    }

    func load() throws -> LoadedModel {
        try LoadedModel(directory: URL(fileURLWithPath: model))
    }
}

/// Writes a JSON value to standard output, one line.
func printJSON(_ value: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Parses "1,2,3" into token ids, naming the flag and the bad item on failure.
func parseTokenIds(_ text: String, flag: String) throws -> [Int] {
    try text.split(separator: ",").map { item in
        guard let id = Int(item.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("\(flag): '\(item)' is not a token id (expected comma-separated integers)")
        }
        return id
    }
}
