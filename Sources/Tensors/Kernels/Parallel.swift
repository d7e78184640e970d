import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` over contiguous, disjoint chunks of 0..<count on all cores; small
/// counts run inline. Callers share raw buffers with the chunks through
/// `nonisolated(unsafe)` locals — safe because no two chunks touch the same index.
func parallelChunks(_ count: Int, minimumChunk: Int = 1 << 14, _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = min(ProcessInfoCores.count, count / minimumChunk)
    guard chunks > 1 else {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body((chunk * count / chunks)..<((chunk + 1) * count / chunks))
    }
}

enum ProcessInfoCores {
    /// Cores this process may use, read once.
    static let count: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
