/// Eigenvalues of a real symmetric matrix by the cyclic Jacobi method.
///
/// Circuit graphs have tens to a few hundred nodes, where Jacobi's O(n³) sweeps cost
/// milliseconds, and it is accurate to a few ulps of the matrix norm for every eigenvalue —
/// which is what makes the spectra of a graph and of its relabelled copy agree to 1e-12.
public enum SymmetricEigenvalues {
    /// The eigenvalues of the symmetric `size × size` matrix `matrix` (row-major), ascending.
    public static func of(_ matrix: [Double], size n: Int) -> [Double] {
        precondition(matrix.count == n * n, "a \(n)×\(n) matrix has \(n * n) entries, got \(matrix.count)")
        var a = matrix
        let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard n > 1, norm > 0 else { return (0..<n).map { a[$0 * n + $0] }.sorted() }
        // Quadratic convergence takes well under 20 sweeps for any size met here; the cap only
        // guards against a matrix holding NaN.
        for _ in 0..<64 {
            var offDiagonal = 0.0
            for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p * n + q] * a[p * n + q] } }
            if offDiagonal.squareRoot() <= 1e-16 * norm { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    rotate(&a, n, p, q)
                }
            }
        }
        return (0..<n).map { a[$0 * n + $0] }.sorted()
    }

    /// One Jacobi rotation in the (p, q) plane that zeroes a[p][q] (Golub & Van Loan §8.5,
    /// with the smaller of the two rotation angles for stability).
    private static func rotate(_ a: inout [Double], _ n: Int, _ p: Int, _ q: Int) {
        let apq = a[p * n + q]
        let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
        let t = theta.magnitude > 1e150
            ? 1 / (2 * theta)
            : (theta >= 0 ? 1 : -1) / (theta.magnitude + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n where k != p && k != q {
            let akp = a[k * n + p], akq = a[k * n + q]
            let newP = c * akp - s * akq, newQ = s * akp + c * akq
            a[k * n + p] = newP; a[p * n + k] = newP
            a[k * n + q] = newQ; a[q * n + k] = newQ
        }
        a[p * n + p] -= t * apq
        a[q * n + q] += t * apq
        a[p * n + q] = 0
        a[q * n + p] = 0
    }
}
