#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes.
///
/// The bytes are never written through this mapping, so sharing it between threads is safe.
final class SafeTensorsMapping: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let count: Int

    /// Maps `path`. An empty file gives an empty mapping (nothing to map).
    init(path: String) throws(CheckpointError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointError(path: path, .cannotRead(reason: systemError())) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CheckpointError(path: path, .cannotRead(reason: systemError())) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError(path: path, .cannotRead(reason: "not a regular file"))
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            base = nil
            count = 0
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CheckpointError(path: path, .cannotRead(reason: "mmap failed: \(systemError())"))
        }
        base = UnsafeRawPointer(pointer)
        count = size
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapped bytes.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

/// The message for the current `errno`.
func systemError() -> String {
    String(cString: strerror(errno))
}
