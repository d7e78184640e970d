import CBLAS
import Synchronization

/// How many threads the kernels and BLAS use. Results are deterministic for a given
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

    /// Uses `count` threads for kernels and for OpenBLAS from now on.
    public static func set(_ count: Int) {
        precondition(count > 0, "thread count must be positive")
        chosen.store(count, ordering: .relaxed)
        openblas_set_num_threads(Int32(count))
    }
}
