import CBLAS

/// Row-major single-precision GEMM: `C[m,n] = op(A)[m,k] · op(B)[k,n] (+ C when accumulating)`.
///
/// `A` is stored `[m,k]` (or `[k,m]` when transposed), `B` is stored `[k,n]` (or
/// `[n,k]`). Leading dimensions default to the packed row lengths; attention
/// passes larger ones to read one head out of a `[T, H·D]` row without copying.
@inline(__always)
func sgemm(
    _ a: UnsafePointer<Float>, transposeA: Bool, lda: Int? = nil,
    _ b: UnsafePointer<Float>, transposeB: Bool, ldb: Int? = nil,
    _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
    m: Int, n: Int, k: Int, alpha: Float = 1, accumulate: Bool = false
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // An empty sum: C keeps its values or becomes zero.
        if !accumulate {
            for row in 0..<m { (c + row * (ldc ?? n)).update(repeating: 0, count: n) }
        }
        return
    }
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda ?? (transposeA ? m : k)),
        b, Int32(ldb ?? (transposeB ? k : n)),
        accumulate ? 1 : 0,
        c, Int32(ldc ?? n))
}
