#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: the bytes go to a temporary file in the same folder, which is
/// flushed to disk and renamed over the destination. On any failure the temporary file is
/// removed, so the destination is either the old file or the complete new one.
final class AtomicFileWriter {
    let path: String
    private let folder: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false

    init(path: String) throws(CheckpointError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        self.folder = folder
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw CheckpointError(path: path, .cannotWrite(reason: "the path names a folder, not a file")) }
        var attempt = 0
        while true {
            let candidate = "\(folder).\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if opened >= 0 {
                temporaryPath = candidate
                fd = opened
                return
            }
            attempt += 1
            guard errno == EEXIST, attempt < 16 else {
                throw CheckpointError(path: path, .cannotWrite(reason: "cannot create a temporary file in the folder: \(systemError())"))
            }
        }
    }

    /// Appends bytes, retrying short writes and interruptions.
    func write(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = systemWrite(fd, next, min(remaining, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                let reason = systemError()
                abandon()
                throw CheckpointError(path: path, .cannotWrite(reason: reason))
            }
            next += written
            remaining -= written
        }
    }

    func write<Element>(_ elements: [Element]) throws(CheckpointError) {
        try withBytes(of: elements) { (buffer) throws(CheckpointError) in try write(buffer) }
    }

    /// Flushes, closes and renames the temporary file over the destination.
    func commit() throws(CheckpointError) {
        guard fsync(fd) == 0 else {
            let reason = systemError()
            abandon()
            throw CheckpointError(path: path, .cannotWrite(reason: "fsync failed: \(reason)"))
        }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else {
            let reason = systemError()
            abandon()
            throw CheckpointError(path: path, .cannotWrite(reason: "close failed: \(reason)"))
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = systemError()
            abandon()
            throw CheckpointError(path: path, .cannotWrite(reason: reason))
        }
        committed = true
        // Make the rename itself durable; a failure here cannot undo it, so it is not reported.
        let folder = open(self.folder.isEmpty ? "." : self.folder, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// Closes and deletes the temporary file; the destination is untouched.
    func abandon() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
    }

    deinit {
        if !committed { abandon() }
    }

    /// Writes `bytes` to `path` atomically.
    static func write(_ bytes: [UInt8], to path: String) throws(CheckpointError) {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// `Array.withUnsafeBytes` for a body with typed throws.
func withBytes<Element>(
    of array: [Element], _ body: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void
) throws(CheckpointError) {
    var failure: CheckpointError?
    array.withUnsafeBytes { buffer in
        do throws(CheckpointError) { try body(buffer) } catch { failure = error }
    }
    if let failure { throw failure }
}
