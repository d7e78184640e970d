/// The `BPE` model: a word becomes one symbol per scalar, then the
/// lowest-ranked adjacent merge is applied until none applies, exactly as
/// `tokenizers`' `Word::merge_all` (a min-heap of (rank, position) with
/// stale entries skipped).
struct BPEModel: Sendable {
    let vocab: Vocabulary
    /// (left id << 32 | right id) → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, id: Int32)]
    /// Ids of single-scalar tokens, for the common case without prefix or suffix.
    private let scalarIds: [Unicode.Scalar: Int]
    /// Ids of `<0x00>` … `<0xFF>` where present.
    private let byteIds: [Int?]
    let unkId: Int?
    let byteFallback: Bool
    let fuseUnk: Bool
    let ignoreMerges: Bool
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    private let cache = WordCache(capacity: 10_000)

    init(_ node: JSONNode) throws(TokenizerError) {
        let vocab = try Vocabulary(node["vocab"])
        self.vocab = vocab
        byteFallback = try node["byte_fallback"].bool(default: false)
        fuseUnk = try node["fuse_unk"].bool(default: false)
        ignoreMerges = try node["ignore_merges"].bool(default: false)
        continuingSubwordPrefix = try node["continuing_subword_prefix"].optionalString()
        endOfWordSuffix = try node["end_of_word_suffix"].optionalString()
        // An unknown token missing from the vocabulary makes `tokenizers` fail
        // only when it is needed; here unknown scalars are then dropped.
        unkId = try node["unk_token"].optionalString().flatMap { vocab[$0] }

        var scalarIds: [Unicode.Scalar: Int] = [:]
        for (token, id) in vocab.tokenToId {
            var it = token.value.unicodeScalars.makeIterator()
            if let s = it.next(), it.next() == nil { scalarIds[s] = id }
        }
        self.scalarIds = scalarIds
        byteIds = (0..<256).map { b in vocab[ByteLevelHex.token(UInt8(b))] }

        // Merges: "a b" strings (older files) or ["a", "b"] pairs.
        let prefix = continuingSubwordPrefix ?? ""
        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        let mergeNodes = node["merges"].isNull ? [] : try node["merges"].array()
        merges.reserveCapacity(mergeNodes.count)
        for (rank, m) in mergeNodes.enumerated() {
            let left: String
            let right: String
            switch m.value {
            case .string(let s):
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw m.error("\"\(s)\" is not a merge of the form \"a b\"") }
                left = String(parts[0])
                right = String(parts[1])
            case .array(let pair):
                guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else {
                    throw m.error("is not a pair of two strings")
                }
                left = a
                right = b
            default:
                throw m.error("is \(m.value.typeName), expected \"a b\" or [\"a\", \"b\"]")
            }
            guard let a = vocab[left] else { throw m.error("uses \"\(left)\", which is not in model.vocab") }
            guard let b = vocab[right] else { throw m.error("uses \"\(right)\", which is not in model.vocab") }
            var rightPart = right
            if !prefix.isEmpty {
                guard right.utf8.starts(with: prefix.utf8) else {
                    throw m.error("\"\(right)\" does not start with the continuing_subword_prefix \"\(prefix)\"")
                }
                rightPart = String(decoding: right.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
            }
            let merged = left + rightPart
            guard let id = vocab[merged] else { throw m.error("makes \"\(merged)\", which is not in model.vocab") }
            merges[UInt64(a) << 32 | UInt64(b)] = (Int32(rank), Int32(id))
        }
        self.merges = merges
    }

    /// Append the ids of one pre-tokenized word.
    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        if word.isEmpty { return }
        if ignoreMerges, let id = vocab.tokenToId[ExactString(scalars: word)] {
            ids.append(id)
            return
        }
        if let hit = cache.get(word) {
            ids.append(contentsOf: hit)
            return
        }
        let result = mergeWord(word)
        if word.count < 256 { cache.set(word, result) }
        ids.append(contentsOf: result)
    }

    private func symbolId(_ word: [Unicode.Scalar], _ index: Int) -> Int? {
        let isFirst = index == 0
        let isLast = index == word.count - 1
        let needsPrefix = continuingSubwordPrefix != nil && !isFirst
        let needsSuffix = endOfWordSuffix != nil && isLast
        if !needsPrefix && !needsSuffix { return scalarIds[word[index]] }
        var s = String(word[index])
        if needsPrefix { s = continuingSubwordPrefix! + s }
        if needsSuffix { s += endOfWordSuffix! }
        return vocab[s]
    }

    private func mergeWord(_ word: [Unicode.Scalar]) -> [Int] {
        // Initial symbols (`BPE::merge_word`), including `tokenizers`' order of
        // events: a pending unknown is only written when the next known scalar
        // (or the end) arrives, even if byte-fallback tokens came in between.
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        var pendingUnk = false
        for index in word.indices {
            if let id = symbolId(word, index) {
                if pendingUnk, let unkId {
                    symbols.append(unkId)
                    pendingUnk = false
                }
                symbols.append(id)
                continue
            }
            if byteFallback {
                let bytes = Array(String(word[index]).utf8)
                let ids = bytes.compactMap { byteIds[Int($0)] }
                if ids.count == bytes.count {
                    symbols.append(contentsOf: ids)
                    continue
                }
            }
            if let unkId {
                if pendingUnk && !fuseUnk { symbols.append(unkId) }
                pendingUnk = true
            }
        }
        if pendingUnk, let unkId { symbols.append(unkId) }
        return merge(symbols)
    }

    private struct Entry {
        var rank: Int32
        var pos: Int32
        var id: Int32

        static func < (a: Entry, b: Entry) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
        }
    }

    /// `Word::merge_all` without dropout.
    private func merge(_ initial: [Int]) -> [Int] {
        let n = initial.count
        if n < 2 || merges.isEmpty { return initial }
        var ids = initial
        var prev = (0..<n).map { $0 - 1 }
        var next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
        var removed = [Bool](repeating: false, count: n)

        var heap = MinHeap<Entry>(less: <)
        for i in 0..<(n - 1) {
            if let m = merges[UInt64(ids[i]) << 32 | UInt64(ids[i + 1])] {
                heap.push(Entry(rank: m.rank, pos: Int32(i), id: m.id))
            }
        }
        while let top = heap.pop() {
            let pos = Int(top.pos)
            if removed[pos] { continue }
            let right = next[pos]
            if right < 0 { continue }
            // Skip entries made stale by earlier merges.
            guard let current = merges[UInt64(ids[pos]) << 32 | UInt64(ids[right])], current.id == top.id else {
                continue
            }
            ids[pos] = Int(top.id)
            removed[right] = true
            next[pos] = next[right]
            if next[right] >= 0 { prev[next[right]] = pos }
            if prev[pos] >= 0 {
                let p = prev[pos]
                if let m = merges[UInt64(ids[p]) << 32 | UInt64(ids[pos])] {
                    heap.push(Entry(rank: m.rank, pos: Int32(p), id: m.id))
                }
            }
            if next[pos] >= 0 {
                if let m = merges[UInt64(ids[pos]) << 32 | UInt64(ids[next[pos]])] {
                    heap.push(Entry(rank: m.rank, pos: Int32(pos), id: m.id))
                }
            }
        }
        var out: [Int] = []
        out.reserveCapacity(n)
        for i in 0..<n where !removed[i] { out.append(ids[i]) }
        return out
    }
}

/// The `<0xXX>` spelling of byte-fallback tokens.
enum ByteLevelHex {
    static func token(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "<0x\(digits[Int(b >> 4)])\(digits[Int(b & 15)])>"
    }

    /// The byte of a `<0xXX>` token as `tokenizers`' ByteFallback decoder reads
    /// it (six bytes, `u8::from_str_radix` on the middle two, which accepts
    /// either case and a leading `+`).
    static func byte(of token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
            u[5] == UInt8(ascii: ">")
        else { return nil }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        if u[3] == UInt8(ascii: "+") { return hex(u[4]) }
        guard let hi = hex(u[3]), let lo = hex(u[4]) else { return nil }
        return hi << 4 | lo
    }
}

/// A binary min-heap.
struct MinHeap<Element> {
    private var items: [Element] = []
    private let less: (Element, Element) -> Bool

    init(less: @escaping (Element, Element) -> Bool) {
        self.less = less
    }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var smallest = i
                if l < items.count && less(items[l], items[smallest]) { smallest = l }
                if r < items.count && less(items[r], items[smallest]) { smallest = r }
                if smallest == i { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}
