/// Size- and label-free similarity of two circuit graphs from their normalised-Laplacian
/// spectra (DESIGN.md: "the export names the variant").
///
/// Variant: each spectrum is read as a distribution — every eigenvalue carries mass 1/n —
/// and the two distributions are compared by their Wasserstein-1 (earth mover's) distance,
/// computed exactly from the two quantile functions (no resampling, no smoothing width to
/// choose). Eigenvalues of the normalised Laplacian lie in [0, 2], so W1 ≤ 2 and
/// `similarity = 1 − W1 / 2` lies in [0, 1]: 1 exactly when the spectra are the same
/// distribution (the same graph under any relabelling, or the same graph at any score
/// scale), 0 when one graph's eigenvalues all sit at 0 and the other's all at 2.
/// Graphs of different sizes compare as distributions, so a circuit and its disjoint copy
/// doubled in size are similar 1; cospectral graphs are indistinguishable, as for any spectral
/// measure.
public enum SpectralSimilarity {
    /// The variant's name, written into every output that reports a spectral similarity.
    public static let variant = "normalised-laplacian-w1"
    public static let definition =
        "1 − W1/2: Wasserstein-1 distance between the eigenvalue distributions (mass 1/n each) of the "
        + "symmetric normalised Laplacians I − D^-1/2 W D^-1/2 (undirected, W = summed |edge score|, "
        + "isolated nodes L_uu = 0), divided by 2, the width of [0, 2] where those eigenvalues lie"

    /// 1 − W1/2 between the two spectra; two empty spectra are similar 1, an empty and a
    /// non-empty one 0.
    public static func similarity(_ a: LaplacianSpectrum, _ b: LaplacianSpectrum) -> Double {
        guard !a.eigenvalues.isEmpty || !b.eigenvalues.isEmpty else { return 1 }
        guard !a.eigenvalues.isEmpty, !b.eigenvalues.isEmpty else { return 0 }
        return min(1, max(0, 1 - wasserstein1(a.eigenvalues, b.eigenvalues) / 2))
    }

    public static func similarity(_ a: NamedCircuit, _ b: NamedCircuit) -> Double {
        similarity(LaplacianSpectrum(a), LaplacianSpectrum(b))
    }

    /// W1 between two sorted samples with equal masses: the area between their quantile
    /// functions. Quantile breakpoints are counted in integer units of 1/(n·m), so steps at
    /// the same level coincide exactly and the result is symmetric in its arguments.
    static func wasserstein1(_ a: [Double], _ b: [Double]) -> Double {
        let n = a.count, m = b.count
        var i = 0, j = 0, level = 0
        var area = 0.0
        while i < n && j < m {
            let nextA = (i + 1) * m, nextB = (j + 1) * n
            let next = min(nextA, nextB)
            area += Double(next - level) * abs(a[i] - b[j])
            level = next
            if nextA == next { i += 1 }
            if nextB == next { j += 1 }
        }
        return area / Double(n * m)
    }
}
