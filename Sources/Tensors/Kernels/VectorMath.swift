// Vectorised math for the pointwise and row kernels: exp, erf, sigmoid over SIMD
// vectors, plus the load/store and loop helpers those kernels share.
//
// Swift's SIMD types lower to whatever the build target has (two SSE registers for
// SIMD8<Float> on baseline x86-64, one AVX register, two NEON registers), so this
// stays portable: no intrinsics, no target flags. Only lane-wise arithmetic,
// comparisons, selects and integer bit operations are used; stdlib helpers that
// fall back to per-lane loops (rounding, float↔int conversion, pointwiseMin/Max,
// squareRoot) are avoided.

/// The vector the kernels work in, and its bit-level twin (same lanes, Int32).
typealias FloatVector = SIMD8<Float>
typealias IntVector = SIMD8<Int32>

/// Lanes per vector.
@inline(__always) var vectorWidth: Int { FloatVector.scalarCount }

enum VectorMath {
    /// eˣ lane-wise, within 1 ULP (0.99) of the exact result for every float in [−104, 89]
    /// (checked exhaustively against Float64 exp), subnormal results included. Below −104
    /// (and for −∞) it returns 0, above 89 (and for +∞) +∞; NaN stays NaN.
    ///
    /// Cephes expf: eˣ = 2ⁿ · eʳ with n = round(x / ln 2) and |r| ≤ ln2/2, where eʳ is
    /// a degree-7 polynomial (Cephes' minimax coefficients) and 2ⁿ is built from exponent bits.
    @inline(__always)
    static func exp(_ x: FloatVector) -> FloatVector {
        let (low, high) = halves(x)
        return joined(exp(low), exp(high))
    }

    /// `exp` on four lanes. The 8-lane version runs it on both halves: written on eight
    /// lanes, the clamp's compare-and-select is sometimes lowered to a pack/shift/blend
    /// sequence instead of minps/maxps (on SSE an 8-lane mask is not a legal type).
    @inline(__always)
    static func exp(_ x: HalfVector) -> HalfVector {
        // The clamp keeps n in [−150, 128]; past it the result is 0 or ∞ anyway.
        // (Comparisons with NaN are false, so NaN passes through.)
        // Results below 2⁻¹²⁶ go through subnormal arithmetic, which x86 handles with a
        // slow microcode assist: callers with many such lanes (masks) zero them instead.
        var x = x.replacing(with: -104, where: x .< -104)
        x = x.replacing(with: 89, where: x .> 89)
        // Adding 1.5·2²³ rounds x/ln2 to an integer (no roundps before SSE4.1), which
        // then sits in the low mantissa bits of `shifted`.
        let shifted = x * 1.44269504088896341 + 12582912
        let n = shifted - 12582912
        // r = x − n·ln2 with ln2 split in two (Cody–Waite): the high part has 9 significant
        // bits, so n·ln2hi is exact and the subtraction loses nothing.
        let r = (x - n * 0.693359375) + n * 2.12194440e-4
        var p = HalfVector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        // 2ⁿ as two powers of two (each a normal float for n in [−150, 128]): the final
        // product rounds once, to a subnormal, a normal or ∞ as appropriate.
        let ni = unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- 0x4B40_0000
        let half = ni &>> 1
        return p * powerOfTwo(half) * powerOfTwo(ni &- half)
    }

    /// 2ⁿ for n in the normal exponent range [−126, 127], from its exponent bits.
    @inline(__always)
    static func powerOfTwo(_ n: SIMD4<Int32>) -> HalfVector {
        unsafeBitCast((n &+ 127) &<< 23, to: HalfVector.self)
    }

    /// erf(x) lane-wise, absolute error below 1e-7 (under 2 ULP) for every float.
    ///
    /// Two pieces with fitted (near-minimax) coefficients, both computed and one selected:
    ///   |x| < 0.9:  erf x = x + x·(2/√π − 1 + x²·P(x²))   (a small correction to x),
    ///   |x| ≥ 0.9:  erf x = 1 − t·e^(−x²)·Q(t), t = 2/(2 + |x|)   (Q ≈ eˣ²·erfc(x)/t),
    /// P of degree 5, Q of degree 7; relative errors of the fits 1.4e-9 and 2.1e-9.
    /// Past |x| ≈ 3.9 the second piece rounds to exactly ±1.
    @inline(__always)
    static func erf(_ x: FloatVector) -> FloatVector {
        erfAndGaussian(x).erf
    }

    /// erf(x) and e^(−x²), which erf computes on the way (GELU's derivative needs both).
    @inline(__always)
    static func erfAndGaussian(_ x: FloatVector) -> (erf: FloatVector, gaussian: FloatVector) {
        let z = x * x
        var p = FloatVector(repeating: 8.978521e-05)
        p = p * z + -8.284071e-4
        p = p * z + 5.2132225e-3
        p = p * z + -2.6864171e-2
        p = p * z + 1.1283778e-1
        p = p * z + -3.7612638e-1
        let small = x + x * (p * z + 1.2837917e-1)

        let signBit = IntVector(repeating: Int32.min)
        let sign = unsafeBitCast(x, to: IntVector.self) & signBit
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: IntVector.self) & ~signBit, to: FloatVector.self)
        let t = 2 / (2 + magnitude)
        var q = FloatVector(repeating: 5.5311788e-2)
        q = q * t + -1.0056368e-1
        q = q * t + -9.249522e-2
        q = q * t + 1.9440795e-1
        q = q * t + 1.18608184e-1
        q = q * t + 2.6301816e-1
        q = q * t + 2.7969313e-1
        q = q * t + 2.822434e-1
        let gaussian = exp(-z)
        let large = 1 - t * q * gaussian
        let signedLarge = unsafeBitCast(unsafeBitCast(large, to: IntVector.self) | sign, to: FloatVector.self)
        return (select(small, signedLarge, where: magnitude, isBelow: 0.9), gaussian)
    }

    /// σ(x) = 1/(1 + e⁻ˣ); exact 0 and 1 at the far ends (e⁻ˣ = ∞ or 0).
    @inline(__always)
    static func sigmoid(_ x: FloatVector) -> FloatVector {
        1 / (1 + exp(-x))
    }

    // Comparisons and selects work on the two 4-lane halves: an 8-lane mask is legalised
    // on SSE through extra pack and shift instructions, while a 4-lane one maps straight
    // onto cmpps/andps and minps/maxps (and NEON is 4 lanes wide anyway). The halves are
    // taken by bit casts: `lowHalf`/`highHalf` are lane loops before optimisation, which
    // makes exp look too costly to the inliner.

    typealias HalfVector = SIMD4<Float>

    @inline(__always)
    static func halves(_ v: FloatVector) -> (HalfVector, HalfVector) {
        unsafeBitCast(v, to: (HalfVector, HalfVector).self)
    }

    @inline(__always)
    static func joined(_ low: HalfVector, _ high: HalfVector) -> FloatVector {
        unsafeBitCast((low, high), to: FloatVector.self)
    }

    /// Lane-wise `key < bound ? a : b` (NaN keys take `b`).
    @inline(__always)
    static func select(_ a: FloatVector, _ b: FloatVector, where key: FloatVector, isBelow bound: Float) -> FloatVector {
        let (a0, a1) = halves(a), (b0, b1) = halves(b), (k0, k1) = halves(key)
        return joined(b0.replacing(with: a0, where: k0 .< bound), b1.replacing(with: a1, where: k1 .< bound))
    }

    /// Lane-wise `key > bound ? a : b` (NaN keys take `b`).
    @inline(__always)
    static func select(_ a: FloatVector, _ b: FloatVector, where key: FloatVector, isAbove bound: Float) -> FloatVector {
        let (a0, a1) = halves(a), (b0, b1) = halves(b), (k0, k1) = halves(key)
        return joined(b0.replacing(with: a0, where: k0 .> bound), b1.replacing(with: a1, where: k1 .> bound))
    }

    /// Lane-wise maximum (pointwiseMax would be a per-lane library call).
    @inline(__always)
    static func maximum(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        let (a0, a1) = halves(a), (b0, b1) = halves(b)
        return joined(a0.replacing(with: b0, where: b0 .> a0), a1.replacing(with: b1, where: b1 .> a1))
    }

    /// Sum of the lanes, as a tree of vector adds: (l0+l4 + l2+l6) + (l1+l5 + l3+l7).
    @inline(__always)
    static func sumLanes(_ v: FloatVector) -> Float {
        let (low, high) = halves(v)
        let half = low + high
        return (half[0] + half[2]) + (half[1] + half[3])
    }

    /// Largest lane.
    @inline(__always)
    static func maximumLane(_ v: FloatVector) -> Float {
        let (low, high) = halves(v)
        let half = low.replacing(with: high, where: high .> low)
        return Swift.max(Swift.max(half[0], half[2]), Swift.max(half[1], half[3]))
    }

    /// `v` (the chunk starting at element `i`) with its lanes at or past element `end` set to `value`.
    @inline(__always)
    static func replacingLanes(of v: FloatVector, at i: Int, from end: Int, with value: Float) -> FloatVector {
        var index = FloatVector()
        for lane in 0..<vectorWidth { index[lane] = Float(lane) }
        return select(v, FloatVector(repeating: value), where: index, isBelow: Float(min(max(end - i, 0), vectorWidth)))
    }
}

// MARK: - Loads, stores and loops over vector chunks
//
// Kernels walk 0..<count in chunks i = 0, 8, 16, …; the last chunk may be partial.
// A partial chunk is loaded into a padded vector and goes through the same vector
// math as the others, so a result never depends on where an element sits.

extension UnsafePointer where Pointee == Float {
    /// Lanes i..<i+8; lanes at or past `end` read as `padding`.
    @inline(__always)
    func vector(at i: Int, end: Int, padding: Float = 0) -> FloatVector {
        if i &+ vectorWidth <= end { return UnsafeRawPointer(self + i).loadUnaligned(as: FloatVector.self) }
        return partialVector(at: i, end: end, padding: padding)
    }

    /// The rare partial chunk, out of line so the hot loops stay small enough to inline.
    @inline(never)
    func partialVector(at i: Int, end: Int, padding: Float) -> FloatVector {
        var v = FloatVector(repeating: padding)
        for lane in 0..<(end - i) { v[lane] = self[i + lane] }
        return v
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Writes lanes i..<min(i+8, end).
    @inline(__always)
    func storeVector(_ v: FloatVector, at i: Int, end: Int) {
        if i &+ vectorWidth <= end {
            UnsafeMutableRawPointer(self + i).storeBytes(of: v, as: FloatVector.self)
        } else {
            storePartialVector(v, at: i, end: end)
        }
    }

    @inline(never)
    func storePartialVector(_ v: FloatVector, at i: Int, end: Int) {
        for lane in 0..<(end - i) { self[i + lane] = v[lane] }
    }

    /// Same as `UnsafePointer.vector(at:end:padding:)`, for buffers being written.
    @inline(__always)
    func vector(at i: Int, end: Int, padding: Float = 0) -> FloatVector {
        UnsafePointer(self).vector(at: i, end: end, padding: padding)
    }
}

/// Calls `body(i)` for the chunks i = 0, 8, 16, … < count.
@inline(__always)
func forEachChunk(_ count: Int, _ body: (Int) -> Void) {
    forEachChunk(in: 0..<count, body)
}

/// Calls `body(i)` for i = range.lowerBound, +8, +16, … < range.upperBound.
@inline(__always)
func forEachChunk(in range: Range<Int>, _ body: (Int) -> Void) {
    // Full chunks, then the partial one: with the tail out of the loop the compiler sees
    // that every load and store in the loop is whole, so the loop has no out-of-line call
    // (which would make it keep its vectors in memory: calls clobber all SIMD registers).
    var i = range.lowerBound
    while i &+ vectorWidth <= range.upperBound {
        body(i)
        i &+= vectorWidth
    }
    if i < range.upperBound { body(i) }
}

/// Splits 0..<count across cores for large counts, in element ranges that start on
/// vector boundaries, so only the last range can end in a partial chunk. `body` loops
/// over its range with `forEachChunk(in:)`, loading and storing with `end: range.upperBound`.
func parallelElements(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = (count + vectorWidth - 1) / vectorWidth
    parallelChunks(chunks, minimumChunk: (1 << 14) / vectorWidth) { range in
        body((range.lowerBound * vectorWidth)..<min(range.upperBound * vectorWidth, count))
    }
}

// The reductions below accumulate lane-wise in one vector (on SSE that is already two
// independent add chains; more accumulators only got spilled) and add the lanes at the
// end, so the order is fixed by `count` alone. They are written for FloatVector rather
// than generically: a generic closure parameter goes through a reabstraction thunk that
// stops `term` being inlined.

/// Folds `term(i)` over the chunks of 0..<count with `combine`, starting from `initial`.
@inline(__always)
func reduceChunks(_ count: Int, _ initial: FloatVector, _ combine: (FloatVector, FloatVector) -> FloatVector,
                  _ term: (Int) -> FloatVector) -> FloatVector {
    var accumulator = initial
    forEachChunk(count) { i in accumulator = combine(accumulator, term(i)) }
    return accumulator
}

/// Σ over all lanes of `term(i)` for the chunks of 0..<count (padding lanes must add 0).
@inline(__always)
func sumChunks(_ count: Int, _ term: (Int) -> FloatVector) -> Float {
    VectorMath.sumLanes(reduceChunks(count, FloatVector(), +, term))
}

/// Two sums in one pass: Σ lanes of term(i).0 and of term(i).1.
@inline(__always)
func sumChunkPairs(_ count: Int, _ term: (Int) -> (FloatVector, FloatVector)) -> (Float, Float) {
    var first = FloatVector(), second = FloatVector()
    forEachChunk(count) { i in
        let (a, b) = term(i)
        first += a
        second += b
    }
    return (VectorMath.sumLanes(first), VectorMath.sumLanes(second))
}
