#if canImport(Glibc)
import CAllocator
#endif

/// Process-wide allocator settings for large tensors, called once by executables.
///
/// glibc returns every allocation above its mmap threshold (at most 32 MiB) to the
/// kernel on free, so the next tensor of that size faults in and zeroes fresh pages —
/// a fifth of an attribution batch's time. Raising the thresholds keeps freed tensor
/// memory in the process for reuse.
public enum MemoryTuning {
    public static func keepFreedTensorMemory() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }
}
