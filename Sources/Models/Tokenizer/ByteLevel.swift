/// GPT-2's byte-level alphabet and split pattern.
enum ByteLevel {
    /// `bytes_to_unicode`: printable Latin-1 bytes map to themselves, the other
    /// 68 bytes to U+0100, U+0101, … in byte order.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse of `byteToScalar`, indexed by scalar value (all are below U+0144).
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in byteToScalar.enumerated() {
            table[Int(s.value)] = Int16(b)
        }
        return table
    }()

    static func byte(for s: Unicode.Scalar) -> UInt8? {
        guard s.value < 0x144 else { return nil }
        let b = scalarToByte[Int(s.value)]
        return b < 0 ? nil : UInt8(b)
    }

    /// Map a piece of text to its byte-level spelling (one scalar per UTF-8 byte).
    static func encode(_ piece: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(piece.count)
        for s in piece {
            if s.value < 0x80 {
                out.append(byteToScalar[Int(s.value)])
            } else {
                for b in UTF8.encode(s)! {
                    out.append(byteToScalar[Int(b)])
                }
            }
        }
        return out
    }

    /// The spans matched by GPT-2's split pattern
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
    /// as a hand-written scanner over scalars. Every scalar is covered by some
    /// alternative, so the spans tile the input.
    static func gpt2Spans(_ text: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        let end = text.endIndex
        var i = text.startIndex
        while i < end {
            let length = gpt2Match(text, at: i)
            spans.append(i..<(i + length))
            i += length
        }
        return spans
    }

    private static func isOther(_ s: Unicode.Scalar) -> Bool {
        !UnicodeClass.isWhitespace(s) && !UnicodeClass.isLetter(s) && !UnicodeClass.isNumber(s)
    }

    /// The length of the match at `i` (always at least 1).
    private static func gpt2Match(_ t: ArraySlice<Unicode.Scalar>, at i: Int) -> Int {
        let end = t.endIndex
        let c = t[i]
        // 's 't 're 've 'm 'll 'd (case-sensitive, in this order).
        if c == "'", i + 1 < end {
            let a = t[i + 1]
            if a == "s" || a == "t" || a == "m" || a == "d" { return 2 }
            if i + 2 < end {
                let b = t[i + 2]
                if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return 3 }
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
        let start = (c == " " && i + 1 < end) ? i + 1 : i
        let first = t[start]
        let run: (Unicode.Scalar) -> Bool
        if UnicodeClass.isLetter(first) {
            run = UnicodeClass.isLetter
        } else if UnicodeClass.isNumber(first) {
            run = UnicodeClass.isNumber
        } else if isOther(first) {
            run = isOther
        } else {
            run = { _ in false }
        }
        var k = start
        while k < end, run(t[k]) { k += 1 }
        if k > start { return k - i }
        // `\s+(?!\S)` then `\s+`
        var j = i
        while j < end, UnicodeClass.isWhitespace(t[j]) { j += 1 }
        if j == end || j - i == 1 { return j - i }
        return j - i - 1
    }
}
