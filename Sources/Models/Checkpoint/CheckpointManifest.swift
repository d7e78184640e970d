import Foundation

/// A manifest lists the checkpoints of a series explicitly, for folders whose names carry no
/// step or series spread over several places. Two formats, told apart by the first character:
///
/// Text — one checkpoint a line, `path step` or `path,step`; the step is the last field, so
/// paths may hold spaces. Blank lines and lines starting with `#` are skipped.
/// ```
/// # Pythia-70m, three revisions
/// runs/a/step0 0
/// runs/a/step1000,1000
/// ```
/// JSON — an array of `{"path": …, "step": …}`, or an object whose `checkpoints` key holds one.
///
/// Relative paths are relative to the manifest's folder. Every listed path must be a
/// checkpoint folder (holding config.json); steps are non-negative integers.
public enum CheckpointManifest {
    public static func read(path: String) throws(CheckpointSeriesError) -> CheckpointSeries {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CheckpointSeriesError(path: path, .cannotRead(reason: error.localizedDescription))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CheckpointSeriesError(path: path, .cannotRead(reason: "not UTF-8 text"))
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let first = text.first { !$0.isWhitespace }
        let entries = first == "[" || first == "{" ? try jsonEntries(data, path: path) : try textEntries(text, path: path)
        guard !entries.isEmpty else { throw CheckpointSeriesError(path: path, .noCheckpoints(skipped: ["the manifest lists none"])) }
        var checkpoints: [SeriesCheckpoint] = []
        for entry in entries {
            let directory = entry.path.hasPrefix("/") ? entry.path : base.appendingPathComponent(entry.path).path
            var isFolder: ObjCBool = false
            let problem: String? =
                !FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) ? "\(entry.path): no such folder"
                : !isFolder.boolValue ? "\(entry.path): not a folder (a checkpoint is a folder with config.json)"
                : !FileManager.default.fileExists(atPath: "\(directory)/\(Checkpoint.configFileName)")
                    ? "\(entry.path): no config.json in the folder" : nil
            if let problem { throw CheckpointSeriesError(path: path, entry.location(problem)) }
            checkpoints.append(SeriesCheckpoint(step: entry.step, directory: directory, name: entry.path))
        }
        return try CheckpointSeries(checkpoints: checkpoints, path: path)
    }

    private struct Entry {
        var path: String
        var step: Int
        /// The line (text) or entry index (JSON), for messages.
        var location: (String) -> CheckpointSeriesError.Kind
    }

    private static func textEntries(_ text: String, path: String) throws(CheckpointSeriesError) -> [Entry] {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            // The step is the last field: after the last comma if there is one, else after the last blank.
            let separator = line.lastIndex(of: ",") ?? line.lastIndex(where: { $0 == " " || $0 == "\t" })
            guard let separator else {
                throw CheckpointSeriesError(path: path, .manifestLine(number, message: "expected 'path step' or 'path,step', got '\(line)'"))
            }
            let folder = line[..<separator].trimmingCharacters(in: .whitespaces)
            let stepText = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            guard !folder.isEmpty else { throw CheckpointSeriesError(path: path, .manifestLine(number, message: "the path is empty")) }
            guard let step = Int(stepText), step >= 0 else {
                throw CheckpointSeriesError(path: path, .manifestLine(number, message: "'\(stepText)' is not a step (a non-negative integer)"))
            }
            entries.append(Entry(path: folder, step: step) { .manifestLine(number, message: $0) })
        }
        return entries
    }

    private struct JSONEntry: Decodable {
        var path: String
        var step: Int
    }

    private struct JSONManifest: Decodable {
        var checkpoints: [JSONEntry]
    }

    private static func jsonEntries(_ data: Data, path: String) throws(CheckpointSeriesError) -> [Entry] {
        let decoded: [JSONEntry]
        do {
            let isArray = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } == UInt8(ascii: "[")
            decoded = isArray ? try JSONDecoder().decode([JSONEntry].self, from: data)
                : try JSONDecoder().decode(JSONManifest.self, from: data).checkpoints
        } catch let error as DecodingError {
            throw CheckpointSeriesError(path: path, .manifestJSON(describe(error)))
        } catch {
            throw CheckpointSeriesError(path: path, .manifestJSON("not valid JSON: \(error.localizedDescription)"))
        }
        return try decoded.enumerated().map { (index, entry) throws(CheckpointSeriesError) -> Entry in
            guard entry.step >= 0 else {
                throw CheckpointSeriesError(path: path, .manifestJSON("entry \(index): step \(entry.step) is negative"))
            }
            return Entry(path: entry.path, step: entry.step) { .manifestJSON("entry \(index): \($0)") }
        }
    }

    /// "entry 2: key 'step' is missing" rather than Foundation's coding-path dump.
    private static func describe(_ error: DecodingError) -> String {
        func place(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.filter { $0.stringValue != "checkpoints" }
            let entry = keys.first?.intValue.map { "entry \($0): " } ?? ""
            let key = keys.last.flatMap { $0.intValue == nil ? $0.stringValue : nil }
            return entry + (key.map { "key '\($0)' " } ?? "")
        }
        switch error {
        case let .keyNotFound(key, context):
            return "\(place(context))key '\(key.stringValue)' is missing (each entry is {\"path\": …, \"step\": …})"
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return "\(place(context))has the wrong type (expected \(type == Int.self ? "an integer" : type == String.self ? "a string" : "\(type)"))"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(place(context))is not valid: \(context.debugDescription)"
        @unknown default:
            return "not a manifest"
        }
    }
}
