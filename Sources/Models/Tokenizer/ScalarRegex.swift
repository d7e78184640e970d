/// A small backtracking regular-expression engine over Unicode scalars, for
/// the `Regex` patterns of `Split` pre-tokenizers and `Replace` normalizers
/// and decoders (Oniguruma syntax, as Hugging Face `tokenizers` uses).
///
/// Supported: literals and escapes (`\n \r \t \f \v \0 \e \a \xHH \x{H…} \uHHHH`),
/// `.`, `\s \S \d \D \w \W \h \H`, `\p{…}` / `\P{…}` / `\p{^…}` for general
/// categories (`L`, `Lu`, `N`, `P`, …), bracket classes with ranges and
/// negation, groups `( )`, `(?: )`, `(?i: )`, `(?i)`, named groups,
/// lookahead `(?= )` / `(?! )`, alternation, the quantifiers
/// `? * + {n} {n,} {n,m} {,m}` in greedy, lazy and possessive forms, and
/// the anchors `^ $ \A \z \Z`. Anything else (lookbehind, back-references,
/// word boundaries, scripts) is reported as unsupported.
///
/// Matching recurses once per iteration of a repeated group (a repeated single
/// character class does not recurse), so such a group stops after
/// `maxGroupRepetitions` iterations rather than overflow the stack on long input.
struct ScalarRegex: Sendable {
    static let maxGroupRepetitions = 1_000

    let pattern: String
    private let root: Node

    struct SyntaxError: Error {
        let message: String
    }

    init(_ pattern: String) throws(SyntaxError) {
        self.pattern = pattern
        var parser = Parser(Array(pattern.unicodeScalars))
        root = try parser.parseWhole()
    }

    /// The non-overlapping matches, leftmost first, as Oniguruma's `find_iter`
    /// returns them (an empty match right after a previous match is skipped).
    func matches(in text: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        let matcher = Matcher(text: text)
        var searchFrom = text.startIndex
        var lastMatchEnd: Int? = nil
        while searchFrom <= text.endIndex {
            var found: Range<Int>? = nil
            for start in searchFrom...text.endIndex {
                if let end = matcher.match(root, at: start) {
                    found = start..<end
                    break
                }
            }
            guard let m = found else { break }
            if m.isEmpty && lastMatchEnd == m.upperBound {
                searchFrom += 1
                continue
            }
            result.append(m)
            searchFrom = m.upperBound
            lastMatchEnd = m.upperBound
        }
        return result
    }

    // MARK: - Syntax tree

    fileprivate indirect enum ScalarSet: Sendable {
        case any  // `.`: anything but a newline
        case scalar(Unicode.Scalar)
        case range(UInt32, UInt32)
        case whitespace, digit, word, hex, alphabetic
        case classWord  // `\w` inside brackets, which Oniguruma reads slightly differently
        case letter, number  // \p{L}, \p{N} (fast paths)
        case categories(Set<Unicode.GeneralCategory>)
        case union([ScalarSet])
        case negated(ScalarSet)

        func contains(_ s: Unicode.Scalar) -> Bool {
            switch self {
            case .any: return s != "\n"
            case .scalar(let c): return s == c
            case .range(let lo, let hi): return lo <= s.value && s.value <= hi
            case .whitespace: return UnicodeClass.isWhitespace(s)
            case .digit: return UnicodeClass.isDecimalDigit(s)
            case .word: return UnicodeClass.isOnigurumaWord(s)
            case .classWord: return UnicodeClass.isOnigurumaWord(s, inBrackets: true)
            case .hex: return s.properties.isASCIIHexDigit
            case .alphabetic: return s.properties.isAlphabetic
            case .letter: return UnicodeClass.isLetter(s)
            case .number: return UnicodeClass.isNumber(s)
            case .categories(let set): return set.contains(UnicodeClass.category(s))
            case .union(let sets): return sets.contains { $0.contains(s) }
            case .negated(let set): return !set.contains(s)
            }
        }
    }

    fileprivate enum Quantifier: Sendable {
        case greedy, lazy, possessive
    }

    fileprivate indirect enum Node: Sendable {
        case empty
        case set(ScalarSet, caseInsensitive: Bool)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?, Quantifier)
        case lookahead(Node, negative: Bool)
        case lineStart, lineEnd, textStart, textEnd, textEndBeforeNewline

        /// Whether the node always consumes exactly one scalar.
        var singleScalar: (ScalarSet, Bool)? {
            if case .set(let s, let ci) = self { return (s, ci) }
            return nil
        }
    }

    // MARK: - Parser

    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0

        init(_ s: [Unicode.Scalar]) {
            self.s = s
        }

        func fail(_ message: String) -> SyntaxError {
            SyntaxError(message: "\(message) at character \(i + 1)")
        }

        var atEnd: Bool { i >= s.count }
        func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

        mutating func parseWhole() throws(SyntaxError) -> Node {
            let node = try parseAlternation(caseInsensitive: false)
            if !atEnd { throw fail("unbalanced ')'") }
            return node
        }

        mutating func parseAlternation(caseInsensitive: Bool) throws(SyntaxError) -> Node {
            var ci = caseInsensitive
            var branches: [Node] = [try parseSequence(caseInsensitive: &ci)]
            while peek() == "|" {
                i += 1
                branches.append(try parseSequence(caseInsensitive: &ci))
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence(caseInsensitive ci: inout Bool) throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let c = peek(), c != "|", c != ")" {
                // An inline `(?i)` switches case folding on for the rest of the group.
                if c == "(", peek(1) == "?", peek(2) == "i", peek(3) == ")" {
                    i += 4
                    ci = true
                    continue
                }
                var atom = try parseAtom(caseInsensitive: ci)
                atom = try parseQuantifiers(atom)
                items.append(atom)
            }
            if items.isEmpty { return .empty }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func parseQuantifiers(_ atom: Node) throws(SyntaxError) -> Node {
            var node = atom
            while let c = peek() {
                var min = 0
                var max: Int? = nil
                switch c {
                case "?": max = 1; i += 1
                case "*": i += 1
                case "+": min = 1; i += 1
                case "{":
                    guard let (lo, hi) = try parseBraces() else { return node }
                    min = lo
                    max = hi
                default: return node
                }
                var kind = Quantifier.greedy
                if peek() == "?" {
                    kind = .lazy
                    i += 1
                } else if peek() == "+" {
                    kind = .possessive
                    i += 1
                }
                node = .repetition(node, min: min, max: max, kind)
            }
            return node
        }

        /// `{n}`, `{n,}`, `{n,m}`, `{,m}`; nil (and nothing consumed) when the
        /// brace is a literal, as in Oniguruma.
        mutating func parseBraces() throws(SyntaxError) -> (Int, Int?)? {
            var j = i + 1
            func number(_ j: inout Int) -> Int? {
                var value: Int? = nil
                while j < s.count, let d = Int(String(s[j])), s[j].isASCII {
                    value = (value ?? 0) * 10 + d
                    if value! > 100_000 { return nil }
                    j += 1
                }
                return value
            }
            let lo = number(&j)
            var hi: Int? = lo
            if j < s.count, s[j] == "," {
                j += 1
                hi = number(&j)
                if lo == nil && hi == nil { return nil }
            } else if lo == nil {
                return nil
            }
            guard j < s.count, s[j] == "}" else { return nil }
            i = j + 1
            let min = lo ?? 0
            if let hi, hi < min { throw fail("invalid repetition range") }
            return (min, hi)
        }

        mutating func parseAtom(caseInsensitive ci: Bool) throws(SyntaxError) -> Node {
            let c = s[i]
            switch c {
            case "(":
                i += 1
                var inner: Node
                if peek() == "?" {
                    i += 1
                    switch peek() {
                    case ":":
                        i += 1
                        inner = try parseAlternation(caseInsensitive: ci)
                    case "=", "!":
                        let negative = peek() == "!"
                        i += 1
                        inner = .lookahead(try parseAlternation(caseInsensitive: ci), negative: negative)
                    case "i" where peek(1) == ":":
                        i += 2
                        inner = try parseAlternation(caseInsensitive: true)
                    case "-" where peek(1) == "i" && peek(2) == ":":
                        i += 3
                        inner = try parseAlternation(caseInsensitive: false)
                    case "<" where peek(1) != "=" && peek(1) != "!":
                        // A named group: `(?<name>…)`.
                        while let n = peek(), n != ">" { i += 1 }
                        if atEnd { throw fail("unterminated group name") }
                        i += 1
                        inner = try parseAlternation(caseInsensitive: ci)
                    case "<":
                        throw fail("lookbehind is not supported")
                    default:
                        throw fail("unsupported group syntax")
                    }
                } else {
                    inner = try parseAlternation(caseInsensitive: ci)
                }
                guard peek() == ")" else { throw fail("missing ')'") }
                i += 1
                return inner
            case "[":
                i += 1
                return .set(try parseClass(), caseInsensitive: ci)
            case ".":
                i += 1
                return .set(.any, caseInsensitive: false)
            case "^":
                i += 1
                return .lineStart
            case "$":
                i += 1
                return .lineEnd
            case "\\":
                i += 1
                guard let e = peek() else { throw fail("trailing backslash") }
                switch e {
                case "A": i += 1; return .textStart
                case "z": i += 1; return .textEnd
                case "Z": i += 1; return .textEndBeforeNewline
                case "b", "B", "G", "K", "R", "X", "k", "g":
                    throw fail("\\\(e) is not supported")
                default:
                    if let d = Int(String(e)), d > 0 { throw fail("back-references are not supported") }
                    return .set(try parseEscape(), caseInsensitive: ci)
                }
            case "*", "+", "?":
                throw fail("quantifier without anything to repeat")
            default:
                i += 1
                return .set(.scalar(c), caseInsensitive: ci)
            }
        }

        /// After a backslash (not inside brackets or inside them alike).
        mutating func parseEscape() throws(SyntaxError) -> ScalarSet {
            let e = s[i]
            i += 1
            switch e {
            case "s": return .whitespace
            case "S": return .negated(.whitespace)
            case "d": return .digit
            case "D": return .negated(.digit)
            case "w": return .word
            case "W": return .negated(.word)
            case "h": return .hex
            case "H": return .negated(.hex)
            case "n": return .scalar("\n")
            case "r": return .scalar("\r")
            case "t": return .scalar("\t")
            case "f": return .scalar("\u{0C}")
            case "v": return .scalar("\u{0B}")
            case "a": return .scalar("\u{07}")
            case "e": return .scalar("\u{1B}")
            case "0": return .scalar("\0")
            case "x":
                if peek() == "{" {
                    i += 1
                    var value: UInt32 = 0
                    var digits = 0
                    while let h = peek(), h != "}" {
                        guard h.isASCII, let d = UInt32(String(h), radix: 16) else {
                            throw fail("invalid \\x{…} escape")
                        }
                        value = value &* 16 &+ d
                        digits += 1
                        i += 1
                    }
                    guard peek() == "}", digits > 0, digits <= 8, let scalar = Unicode.Scalar(value) else {
                        throw fail("invalid \\x{…} escape")
                    }
                    i += 1
                    return .scalar(scalar)
                }
                return .scalar(try hexScalar(maxDigits: 2))
            case "u":
                return .scalar(try hexScalar(maxDigits: 4, exact: true))
            case "p", "P":
                guard peek() == "{" else { throw fail("expected '{' after \\\(e)") }
                i += 1
                var negate = e == "P"
                if peek() == "^" {
                    negate.toggle()
                    i += 1
                }
                var name = ""
                while let n = peek(), n != "}" {
                    name.unicodeScalars.append(n)
                    i += 1
                }
                guard peek() == "}" else { throw fail("unterminated \\p{…}") }
                i += 1
                let set: ScalarSet
                if let categories = UnicodeClass.categories(named: name) {
                    if categories == UnicodeClass.categories(named: "L") {
                        set = .letter
                    } else if categories == UnicodeClass.categories(named: "N") {
                        set = .number
                    } else {
                        set = .categories(categories)
                    }
                } else {
                    switch name.lowercased() {
                    case "alpha", "alphabetic": set = .alphabetic
                    case "space", "white_space", "whitespace": set = .whitespace
                    case "digit": set = .digit
                    case "word": set = .word
                    case "any": set = .negated(.union([]))
                    default: throw fail("the property \\p{\(name)} is not supported")
                    }
                }
                return negate ? .negated(set) : set
            default:
                let isLetterOrDigit = e.properties.isAlphabetic || UnicodeClass.isNumber(e)
                if e.isASCII && isLetterOrDigit { throw fail("the escape \\\(e) is not supported") }
                return .scalar(e)
            }
        }

        mutating func hexScalar(maxDigits: Int, exact: Bool = false) throws(SyntaxError) -> Unicode.Scalar {
            var value: UInt32 = 0
            var digits = 0
            while digits < maxDigits, let h = peek(), h.isASCII, let d = UInt32(String(h), radix: 16) {
                value = value * 16 + d
                digits += 1
                i += 1
            }
            guard digits > 0, !exact || digits == maxDigits, let scalar = Unicode.Scalar(value) else {
                throw fail("invalid hexadecimal escape")
            }
            return scalar
        }

        /// After `[`, up to and including the closing `]`.
        mutating func parseClass() throws(SyntaxError) -> ScalarSet {
            var negate = false
            if peek() == "^" {
                negate = true
                i += 1
            }
            var items: [ScalarSet] = []
            var first = true
            while true {
                guard let c = peek() else { throw fail("missing ']'") }
                if c == "]" && !first {
                    i += 1
                    break
                }
                first = false
                if c == "[" { throw fail("nested character classes are not supported") }
                if c == "&" && peek(1) == "&" { throw fail("class intersection is not supported") }
                var lowSet: ScalarSet
                if c == "\\" {
                    i += 1
                    guard !atEnd else { throw fail("trailing backslash") }
                    if s[i] == "b" {
                        i += 1
                        lowSet = .scalar("\u{08}")
                    } else {
                        lowSet = try parseEscape()
                        switch lowSet {
                        case .word: lowSet = .classWord
                        case .negated(.word): lowSet = .negated(.classWord)
                        default: break
                        }
                    }
                } else {
                    i += 1
                    lowSet = .scalar(c)
                }
                // A range `a-z` (a '-' before ']' is a literal).
                if case .scalar(let low) = lowSet, peek() == "-", let next = peek(1), next != "]" {
                    i += 1
                    var high: Unicode.Scalar
                    if next == "\\" {
                        i += 1
                        guard !atEnd, case .scalar(let h) = try parseEscape() else {
                            throw fail("invalid range in a character class")
                        }
                        high = h
                    } else {
                        i += 1
                        high = next
                    }
                    guard low.value <= high.value else { throw fail("invalid range in a character class") }
                    lowSet = .range(low.value, high.value)
                }
                items.append(lowSet)
            }
            let set = ScalarSet.union(items)
            return negate ? .negated(set) : set
        }
    }

    // MARK: - Matcher

    private struct Matcher {
        let text: ArraySlice<Unicode.Scalar>

        /// The end of the first match at `start` in pattern priority order, or nil.
        func match(_ node: Node, at start: Int) -> Int? {
            var end: Int? = nil
            _ = m(node, start) { e in
                end = e
                return true
            }
            return end
        }

        private func setMatches(_ set: ScalarSet, _ ci: Bool, _ s: Unicode.Scalar) -> Bool {
            if set.contains(s) { return true }
            guard ci else { return false }
            for variant in Matcher.caseVariants(s) where variant != s && set.contains(variant) {
                return true
            }
            return false
        }

        /// Single-scalar case variants for case-insensitive matching.
        static func caseVariants(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
            var out: [Unicode.Scalar] = [s]
            let p = s.properties
            for mapped in [p.lowercaseMapping, p.uppercaseMapping, p.titlecaseMapping] {
                let scalars = mapped.unicodeScalars
                if scalars.count == 1, let v = scalars.first, !out.contains(v) {
                    out.append(v)
                    for again in [v.properties.lowercaseMapping, v.properties.uppercaseMapping] {
                        let inner = again.unicodeScalars
                        if inner.count == 1, let w = inner.first, !out.contains(w) { out.append(w) }
                    }
                }
            }
            return out
        }

        private func m(_ node: Node, _ i: Int, _ k: (Int) -> Bool) -> Bool {
            switch node {
            case .empty:
                return k(i)
            case .set(let set, let ci):
                guard i < text.endIndex, setMatches(set, ci, text[i]) else { return false }
                return k(i + 1)
            case .sequence(let nodes):
                return sequence(nodes, 0, i, k)
            case .alternation(let branches):
                for branch in branches where m(branch, i, k) {
                    return true
                }
                return false
            case .repetition(let inner, let min, let max, let kind):
                if let (set, ci) = inner.singleScalar {
                    return repeatScalar(set, ci, min, max, kind, i, k)
                }
                if kind == .possessive {
                    var end: Int? = nil
                    _ = repeatNode(inner, min, max, .greedy, 0, i) { e in
                        end = e
                        return true
                    }
                    guard let end else { return false }
                    return k(end)
                }
                return repeatNode(inner, min, max, kind, 0, i, k)
            case .lookahead(let inner, let negative):
                let found = m(inner, i) { _ in true }
                return found != negative ? k(i) : false
            case .lineStart:
                guard i == text.startIndex || text[i - 1] == "\n" else { return false }
                return k(i)
            case .lineEnd:
                guard i == text.endIndex || text[i] == "\n" else { return false }
                return k(i)
            case .textStart:
                return i == text.startIndex ? k(i) : false
            case .textEnd:
                return i == text.endIndex ? k(i) : false
            case .textEndBeforeNewline:
                let ok = i == text.endIndex || (i + 1 == text.endIndex && text[i] == "\n")
                return ok ? k(i) : false
            }
        }

        private func sequence(_ nodes: [Node], _ index: Int, _ i: Int, _ k: (Int) -> Bool) -> Bool {
            if index == nodes.count { return k(i) }
            return m(nodes[index], i) { j in sequence(nodes, index + 1, j, k) }
        }

        private func repeatScalar(
            _ set: ScalarSet, _ ci: Bool, _ min: Int, _ max: Int?, _ kind: Quantifier, _ i: Int,
            _ k: (Int) -> Bool
        ) -> Bool {
            // How far the run of matching scalars goes (up to `max`).
            let limit = max ?? Int.max
            var n = 0
            var j = i
            while n < limit, j < text.endIndex, setMatches(set, ci, text[j]) {
                n += 1
                j += 1
            }
            guard n >= min else { return false }
            switch kind {
            case .possessive:
                return k(i + n)
            case .greedy:
                var c = n
                while c >= min {
                    if k(i + c) { return true }
                    c -= 1
                }
                return false
            case .lazy:
                for c in min...n where k(i + c) {
                    return true
                }
                return false
            }
        }

        private func repeatNode(
            _ inner: Node, _ min: Int, _ max: Int?, _ kind: Quantifier, _ count: Int, _ i: Int,
            _ k: (Int) -> Bool
        ) -> Bool {
            let canStop = count >= min
            let canGo = count < Swift.min(max ?? Int.max, ScalarRegex.maxGroupRepetitions)
            func more() -> Bool {
                guard canGo else { return false }
                return m(inner, i) { j in
                    // An empty iteration once the minimum is met would loop forever.
                    if j == i && canStop { return false }
                    return repeatNode(inner, min, max, kind, count + 1, j, k)
                }
            }
            if kind == .lazy {
                if canStop && k(i) { return true }
                return more()
            }
            if more() { return true }
            return canStop && k(i)
        }
    }
}
