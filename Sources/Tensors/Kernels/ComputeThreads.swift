import CBLAS
import Synchronization

/// How many threads the kernels and matrix products use (OpenBLAS itself runs single-threaded:
/// `sgemm` splits large products over these threads). Results are deterministic for a given
/// count (work is split into that many fixed chunks), so training records it and a
/// run can be repeated bit for bit by setting the same count.
public enum ComputeThreads {
    private static let chosen = Atomic<Int>(0)

    /// Cores this process may use.
    public static var available: Int { ProcessInfoCores.count }

    /// The count in use: the one set, else every available core.
    public static var current: Int {
        let n = chosen.load(ordering: .relaxed)
        return n > 0 ? n : available
    }

    /// Uses `count` threads for kernels and products from now on (OpenBLAS itself always runs
    /// single-threaded; `sgemm` splits large products over these threads).
    public static func set(_ count: Int) {
        precondition(count > 0, "thread count must be positive")
        chosen.store(count, ordering: .relaxed)
    }
}
