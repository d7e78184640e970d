import ArgumentParser
import Export
import Foundation

/// The file a drawing goes to (`--out` of `render` and `diff`): its extension picks the format,
/// and it is written only once the whole drawing is rendered.
struct DrawingOutput {
    let path: String
    let format: Graphviz.Format

    /// Checks the path before any work is done: a known extension, not a folder, in a folder that exists.
    init(validating path: String) throws(ValidationError) {
        let url = URL(fileURLWithPath: path)
        guard let format = Graphviz.Format(fileExtension: url.pathExtension) else {
            let found = url.pathExtension
            throw ValidationError("--out \(path): \(found.isEmpty ? "no extension" : "unknown extension '.\(found)'") "
                                  + "(expected .svg, .png, .pdf or .dot)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--out \(path): is a folder; give the file to write")
        }
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--out \(path): the folder \(folder) does not exist")
        }
        self.path = path
        self.format = format
    }

    /// Above this many edges a drawing earns a warning.
    static let largeDrawing = 2000

    /// Renders `dot` in-process and replaces the file atomically: a failure leaves any
    /// earlier file as it was and no partial one.
    func write(dot: String, edgeCount: Int) throws {
        if edgeCount > Self.largeDrawing {
            // dot's layout time grows faster than linearly with the edges, and thousands of
            // crossing edges are no longer readable: a full graph is meant to be pruned first.
            FileHandle.standardError.write(Data(("drawing \(edgeCount) edges: layouts of more than "
                + "\(Self.largeDrawing) edges are slow and unreadable; prune first\n").utf8))
        }
        let bytes = try Graphviz.render(dot: dot, format: format)
        do {
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CannotWrite(description: "\(path): cannot be written: \(error.localizedDescription)")
        }
    }
}

/// A failure to write an output file, reported with its path.
struct CannotWrite: Error, CustomStringConvertible {
    let description: String
}

/// An input file option that must name an existing file.
func requireFile(_ path: String, option: String) throws(ValidationError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        throw ValidationError("\(option) \(path): no such file")
    }
}
