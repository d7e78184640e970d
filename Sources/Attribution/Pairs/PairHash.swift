/// FNV-1a 64 over the token ids of a pair set, as 16 lowercase hex digits.
///
/// Every integer goes in as its 8 little-endian bytes (two's complement), per
/// pair: clean length, clean ids, corrupted length, corrupted ids, answer id,
/// foil id; pairs in file order. Only ids count: the same pairs from text or
/// from ids, with other display text or line numbers, hash the same.
public enum PairHash {
    public static func hex(_ pairs: [MinimalPair]) -> String {
        var hash = FNV1a64()
        for pair in pairs {
            hash.add(pair.cleanIds.count)
            for id in pair.cleanIds { hash.add(id) }
            hash.add(pair.corruptedIds.count)
            for id in pair.corruptedIds { hash.add(id) }
            hash.add(pair.answerId)
            hash.add(pair.foilId)
        }
        let digits = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    struct FNV1a64 {
        private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ integer: Int) {
            var bits = UInt64(bitPattern: Int64(integer))
            for _ in 0..<8 {
                value ^= bits & 0xFF
                value &*= 0x0000_0100_0000_01B3
                bits >>= 8
            }
        }
    }
}
