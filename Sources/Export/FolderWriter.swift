import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a set of output files into a folder all or nothing.
///
/// Everything is rendered in memory first and written to a staging folder beside the
/// target; only when every file is on disk are they moved in, each by one `rename`, which
/// replaces a same-named file atomically. A failure before that point leaves the target
/// exactly as it was; other files already in the target are never touched.
public enum FolderWriter {
    public static func write(_ files: [(name: String, data: Data)], to folder: URL) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FolderWriterError(folder: folder.path, message: "its parent folder \(parent.path) does not exist")
        }
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw FolderWriterError(folder: folder.path, message: "it exists and is not a folder")
        }
        // Anything that would make a move fail half-way is refused before the first one.
        for file in files {
            let target = folder.appendingPathComponent(file.name).path
            if manager.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue {
                throw FolderWriterError(folder: folder.path, message: "\(file.name) exists there as a folder; nothing was written")
            }
        }
        if manager.fileExists(atPath: folder.path), !manager.isWritableFile(atPath: folder.path) {
            throw FolderWriterError(folder: folder.path, message: "the folder is not writable; nothing was written")
        }
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString)")
        try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        defer { try? manager.removeItem(at: staging) }
        for file in files {
            try file.data.write(to: staging.appendingPathComponent(file.name))
        }
        if !manager.fileExists(atPath: folder.path) {
            try manager.moveItem(at: staging, to: folder)
            return
        }
        for file in files {
            let from = staging.appendingPathComponent(file.name).path, to = folder.appendingPathComponent(file.name).path
            guard rename(from, to) == 0 else {
                throw FolderWriterError(folder: folder.path, message: "could not move \(file.name) in: \(String(cString: strerror(errno)))")
            }
        }
    }
}

public struct FolderWriterError: Error, CustomStringConvertible {
    public let folder: String
    public let message: String
    public var description: String { "\(folder): \(message)" }
}
