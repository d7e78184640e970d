/// The character classes Hugging Face `tokenizers` uses, on Unicode scalars
/// (Rust `char`s), with ASCII fast paths.
///
/// - `\s` of Oniguruma and Rust's `char::is_whitespace` are both the Unicode
///   `White_Space` property.
/// - `\w` differs between the two regex engines `tokenizers` uses. The Rust
///   `regex` crate (the `Whitespace` pre-tokenizer, `single_word` added
///   tokens) follows Unicode TR18: Alphabetic, marks, decimal numbers,
///   connector punctuation and join controls. Oniguruma (`Regex` patterns in
///   `tokenizer.json`) has Alphabetic, marks, decimal numbers and connector
///   punctuation, no join controls, and outside brackets also the Latin-1
///   numbers ¹ ² ³ ¼ ½ ¾.
///   Both count "Ⓐ" (alphabetic) as a word character.
/// - Both regex engines of `tokenizers` 0.23 know Unicode 16.0; Swift's
///   tables are newer, so for them scalars assigned after 16.0 are treated as
///   unassigned here. Rust's `char` methods use the standard library's newer
///   tables, and punctuation comes from a crate frozen at Unicode 8.0. With
///   that, every class below agrees with `tokenizers` on every code point
///   (checked by the `unicode-classes.json` fixture).
enum UnicodeClass {
    /// Whether `s` was assigned after Unicode 16.0 (the version of `tokenizers`' tables).
    @inline(__always)
    static func isTooNew(_ s: Unicode.Scalar) -> Bool {
        guard let age = s.properties.age else { return false }
        return age.major > 16
    }

    /// The general category as of Unicode 16.0.
    @inline(__always)
    static func category(_ s: Unicode.Scalar) -> Unicode.GeneralCategory {
        let c = s.properties.generalCategory
        if c != .unassigned && isTooNew(s) { return .unassigned }
        return c
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return s.value == 0x20 || (0x09...0x0D).contains(s.value)
        }
        return s.properties.isWhitespace
    }

    /// `\p{L}`.
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value)
        }
        switch category(s) {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`.
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return (0x30...0x39).contains(s.value) }
        switch category(s) {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\d`: decimal digits (Nd).
    static func isDecimalDigit(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return (0x30...0x39).contains(s.value) }
        return category(s) == .decimalNumber
    }

    /// `\w` of the Rust `regex` crate.
    static func isWord(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return isASCIIWord(s) }
        let p = s.properties
        if p.isJoinControl { return true }
        return isAlphabeticMarkDigitOrConnector(s)
    }

    /// `\w` of Oniguruma. Outside brackets it also takes the Latin-1 numbers
    /// ¹ ² ³ ¼ ½ ¾; inside brackets (`[\w]`, `[^\w\s]`) it does not.
    static func isOnigurumaWord(_ s: Unicode.Scalar, inBrackets: Bool = false) -> Bool {
        if s.value < 0x80 { return isASCIIWord(s) }
        switch s.value {
        case 0xB2, 0xB3, 0xB9, 0xBC, 0xBD, 0xBE: return !inBrackets
        default: return isAlphabeticMarkDigitOrConnector(s)
        }
    }

    private static func isASCIIWord(_ s: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value)
            || (0x61...0x7A).contains(s.value) || s.value == 0x5F
    }

    private static func isAlphabeticMarkDigitOrConnector(_ s: Unicode.Scalar) -> Bool {
        let p = s.properties
        let yes: Bool
        if p.isAlphabetic {
            yes = true
        } else {
            switch p.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: yes = true
            default: yes = false
            }
        }
        return yes && !isTooNew(s)
    }

    /// Punctuation as the `Punctuation` and `BertPreTokenizer` pre-tokenizers
    /// see it: ASCII punctuation (which includes symbols such as `$` and `+`)
    /// or a Unicode punctuation category — in the tables of the
    /// `unicode_categories` crate `tokenizers` uses, which stop at Unicode 8.0.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return (0x21...0x2F).contains(s.value) || (0x3A...0x40).contains(s.value)
                || (0x5B...0x60).contains(s.value) || (0x7B...0x7E).contains(s.value)
        }
        // Punctuation in Unicode 8.0, re-categorized since.
        if s.value == 0x166D || s.value == 0x111C9 { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            guard let age = s.properties.age else { return false }
            return age.major < 8 || (age.major == 8 && age.minor == 0)
        default: return false
        }
    }

    /// Rust's `char::is_numeric` (the `Digits` pre-tokenizer), with the
    /// Rust standard library's current Unicode tables.
    static func isNumeric(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return (0x30...0x39).contains(s.value) }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// The general categories named `name` (one or two letters, e.g. `L`,
    /// `Lu`, `N`, `P`, or a long name such as `Letter`), or nil if the name is
    /// not a category.
    static func categories(named name: String) -> Set<Unicode.GeneralCategory>? {
        typealias G = Unicode.GeneralCategory
        let groups: [String: [G]] = [
            "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
            "LC": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter],
            "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter],
            "Lm": [.modifierLetter], "Lo": [.otherLetter],
            "M": [.nonspacingMark, .spacingMark, .enclosingMark],
            "Mn": [.nonspacingMark], "Mc": [.spacingMark], "Me": [.enclosingMark],
            "N": [.decimalNumber, .letterNumber, .otherNumber],
            "Nd": [.decimalNumber], "Nl": [.letterNumber], "No": [.otherNumber],
            "P": [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                  .initialPunctuation, .finalPunctuation, .otherPunctuation],
            "Pc": [.connectorPunctuation], "Pd": [.dashPunctuation], "Ps": [.openPunctuation],
            "Pe": [.closePunctuation], "Pi": [.initialPunctuation], "Pf": [.finalPunctuation],
            "Po": [.otherPunctuation],
            "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol],
            "Sm": [.mathSymbol], "Sc": [.currencySymbol], "Sk": [.modifierSymbol], "So": [.otherSymbol],
            "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator],
            "Zs": [.spaceSeparator], "Zl": [.lineSeparator], "Zp": [.paragraphSeparator],
            "C": [.control, .format, .surrogate, .privateUse, .unassigned],
            "Cc": [.control], "Cf": [.format], "Cs": [.surrogate], "Co": [.privateUse], "Cn": [.unassigned],
        ]
        let aliases = [
            "Letter": "L", "Mark": "M", "Number": "N", "Punctuation": "P", "Symbol": "S",
            "Separator": "Z", "Other": "C",
        ]
        return groups[aliases[name] ?? name].map(Set.init)
    }
}
