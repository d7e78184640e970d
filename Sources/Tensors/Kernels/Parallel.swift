import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` over contiguous, disjoint chunks of 0..<count on all cores; small
/// counts run inline. Callers share raw buffers with the chunks through
/// `nonisolated(unsafe)` locals — safe because no two chunks touch the same index.
func parallelChunks(_ count: Int, minimumChunk: Int = 1 << 14, _ body: @Sendable (Range<Int>) -> Void) {
    parallelChunks(count, minimumChunk: minimumChunk) { (_: Int, range: Range<Int>) in body(range) }
}

/// How many chunks `parallelChunks` splits 0..<count into (at least 1).
func parallelChunkCount(_ count: Int, minimumChunk: Int = 1 << 14) -> Int {
    max(1, min(ComputeThreads.current, count / max(minimumChunk, 1)))
}

/// `parallelChunks` that also passes each chunk's number (0..<parallelChunkCount),
/// for per-chunk partial results that are then combined in a fixed order.
func parallelChunks(_ count: Int, minimumChunk: Int = 1 << 14, _ body: @Sendable (_ chunk: Int, Range<Int>) -> Void) {
    let chunks = parallelChunkCount(count, minimumChunk: minimumChunk)
    guard chunks > 1 else {
        body(0, 0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body(chunk, (chunk * count / chunks)..<((chunk + 1) * count / chunks))
    }
}

/// `minimumChunk` for splitting rows of `rowLength` elements: at least 2¹⁴ elements per chunk.
func minimumRows(rowLength: Int) -> Int {
    max(1, (1 << 14) / max(rowLength, 1))
}

enum ProcessInfoCores {
    /// Cores this process may use, read once (`ComputeThreads` may use fewer): the cores online,
    /// fewer when the CPU affinity mask or a cgroup quota allows fewer — a Slurm task with
    /// `--cpus-per-task=8` on a 64-core node gets 8 chunks, not 64.
    static let count: Int = {
        #if canImport(Glibc)
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let limits = [affinityCount(status: readText("/proc/self/status")), quotaCount(cpuMax: readText("/sys/fs/cgroup/cpu.max"))]
        return limits.compactMap { $0 }.reduce(online) { min($0, max(1, $1)) }
        #else
        return 1
        #endif
    }()

    /// The bits set in `Cpus_allowed:` of /proc/self/status (comma-separated 32-bit hex groups).
    static func affinityCount(status: String?) -> Int? {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        var bits = 0
        for character in line.dropFirst("Cpus_allowed:".count) where !character.isWhitespace && character != "," {
            guard let nibble = character.hexDigitValue else { return nil }
            bits += nibble.nonzeroBitCount
        }
        return bits > 0 ? bits : nil
    }

    /// Whole CPUs of a cgroup v2 quota, `cpu.max` = "QUOTA PERIOD" (rounded up); nil for "max".
    static func quotaCount(cpuMax: String?) -> Int? {
        guard let fields = cpuMax?.split(whereSeparator: \.isWhitespace), fields.count == 2,
              let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
        return Int((quota / period).rounded(.up))
    }

    private static func readText(_ path: String) -> String? {
        #if canImport(Glibc)
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
        #else
        return nil
        #endif
    }
}
