import CBLAS
import Dispatch

/// OpenBLAS runs single-threaded, always: circuitry splits large products over its own
/// threads (below), so BLAS calls from several threads at once run side by side instead of
/// queueing for OpenBLAS's one thread pool, and no OpenBLAS worker spins between calls
/// while circuitry's own kernels run.
private let blasSingleThreaded: Void = openblas_set_num_threads(1)

/// Products smaller than this many multiply-adds run in one call: splitting costs more.
private let splitThreshold = 1 << 21

/// Row-major single-precision GEMM: `C[m,n] = op(A)[m,k] · op(B)[k,n] (+ C when accumulating)`.
///
/// `A` is stored `[m,k]` (or `[k,m]` when transposed), `B` is stored `[k,n]` (or
/// `[n,k]`). Leading dimensions default to the packed row lengths; attention
/// passes larger ones to read one head out of a `[T, H·D]` row without copying.
/// A large product is split into `ComputeThreads.current` blocks of C's columns (of its rows
/// when it has few columns), each one single-threaded BLAS call on its own thread: the result
/// depends on the thread count, as everything else does, and on nothing else. Callers that
/// already run many products on their own threads pass `split: false`.
func sgemm(
    _ a: UnsafePointer<Float>, transposeA: Bool, lda: Int? = nil,
    _ b: UnsafePointer<Float>, transposeB: Bool, ldb: Int? = nil,
    _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
    m: Int, n: Int, k: Int, alpha: Float = 1, accumulate: Bool = false, split: Bool = true
) {
    _ = blasSingleThreaded
    guard m > 0, n > 0 else { return }
    let (lda, ldb, ldc) = (lda ?? (transposeA ? m : k), ldb ?? (transposeB ? k : n), ldc ?? n)
    let threads = ComputeThreads.current
    if split, threads > 1, m * n * k >= splitThreshold, max(m, n) >= 2 * 16 {
        // Blocks of whole 16-wide panels (OpenBLAS's micro-tiles), along the longer side.
        let byColumns = n >= m
        let length = byColumns ? n : m
        let blocks = min(threads, length / 16)
        nonisolated(unsafe) let (a, b, c) = (a, b, c)
        DispatchQueue.concurrentPerform(iterations: blocks) { i in
            let start = (i * length / blocks) / 16 * 16
            let end = i == blocks - 1 ? length : ((i + 1) * length / blocks) / 16 * 16
            if byColumns {
                gemmCall(a, transposeA: transposeA, lda: lda, b + (transposeB ? start * ldb : start), transposeB: transposeB,
                         ldb: ldb, c + start, ldc: ldc, m: m, n: end - start, k: k, alpha: alpha, accumulate: accumulate)
            } else {
                gemmCall(a + (transposeA ? start : start * lda), transposeA: transposeA, lda: lda, b, transposeB: transposeB,
                         ldb: ldb, c + start * ldc, ldc: ldc, m: end - start, n: n, k: k, alpha: alpha, accumulate: accumulate)
            }
        }
        return
    }
    gemmCall(a, transposeA: transposeA, lda: lda, b, transposeB: transposeB, ldb: ldb, c, ldc: ldc,
             m: m, n: n, k: k, alpha: alpha, accumulate: accumulate)
}

/// One single-threaded BLAS call.
@inline(__always)
private func gemmCall(
    _ a: UnsafePointer<Float>, transposeA: Bool, lda: Int,
    _ b: UnsafePointer<Float>, transposeB: Bool, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int,
    m: Int, n: Int, k: Int, alpha: Float, accumulate: Bool
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // An empty sum: C keeps its values or becomes zero.
        if !accumulate {
            for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
        }
        return
    }
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda),
        b, Int32(ldb),
        accumulate ? 1 : 0,
        c, Int32(ldc))
}
