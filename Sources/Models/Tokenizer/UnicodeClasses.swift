/// The character classes Hugging Face `tokenizers` uses, on Unicode scalars
/// (Rust `char`s), with ASCII fast paths.
///
/// - `\s` of Oniguruma and Rust's `char::is_whitespace` are both the Unicode
///   `White_Space` property.
/// - `\w` of Oniguruma is Unicode TR18's word class: Alphabetic, marks,
///   decimal numbers, connector punctuation and join controls (so "Ⓐ" is a
///   word character and "½" is not).
enum UnicodeClass {
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
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`, and Rust's `char::is_numeric`.
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return (0x30...0x39).contains(s.value) }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\d`: decimal digits (Nd).
    static func isDecimalDigit(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return (0x30...0x39).contains(s.value) }
        return s.properties.generalCategory == .decimalNumber
    }

    /// `\w`.
    static func isWord(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value)
                || (0x61...0x7A).contains(s.value) || s.value == 0x5F
        }
        let p = s.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// Punctuation as the `Punctuation` and `BertPreTokenizer` pre-tokenizers
    /// see it: ASCII punctuation (which includes symbols such as `$` and `+`)
    /// or any Unicode punctuation category.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return (0x21...0x2F).contains(s.value) || (0x3A...0x40).contains(s.value)
                || (0x5B...0x60).contains(s.value) || (0x7B...0x7E).contains(s.value)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
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
