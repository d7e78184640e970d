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
    /// Cores this process may use, read once (`ComputeThreads` may use fewer).
    static let count: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
