/// A seeded pseudo-random permutation of `0..<count`, evaluated one index at a
/// time in O(1) memory: a four-round balanced Feistel network over the smallest
/// even number of bits that covers `count`, with cycle walking back into range.
///
/// Lets a generator visit a huge candidate space in random order without
/// repeats and without materialising it.
struct IndexPermutation: Sendable {
    let count: UInt64
    private let halfBits: UInt64
    private let keys: [UInt64]

    init(count: UInt64, rng: inout SplitMix64) {
        self.count = count
        var bits: UInt64 = 1
        while bits < 64 && (1 << bits) < count { bits += 1 }
        halfBits = (bits + 1) / 2
        keys = (0..<4).map { _ in rng.next() }
    }

    /// The `index`-th element of the permutation (`index < count`).
    subscript(index: UInt64) -> UInt64 {
        precondition(index < count, "permutation index \(index) out of range 0..<\(count)")
        var x = index
        repeat { x = round(x) } while x >= count
        return x
    }

    private func round(_ x: UInt64) -> UInt64 {
        let mask: UInt64 = (1 << halfBits) - 1
        var left = x >> halfBits, right = x & mask
        for key in keys {
            (left, right) = (right, left ^ (SplitMix64.mix(right ^ key) & mask))
        }
        return left << halfBits | right
    }
}
