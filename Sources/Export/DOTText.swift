import Foundation

/// How circuit drawings write text into DOT: quoted ids and labels, one-line comments, and
/// numbers formatted without locale, so the same circuit always gives the same bytes.
enum DOTText {
    /// A DOT quoted string. Labels and tooltips are escStrings, where a backslash starts an
    /// escape, so backslashes are doubled; quotes are escaped; line breaks become `\n` (a
    /// centred line break in a label); other control characters become spaces.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case _ where scalar.properties.generalCategory == .control: result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Comment text on one line: no line breaks or other control characters.
    static func commentSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : $0
        }))
    }

    /// Scores in labels: three significant digits with sign.
    static func short(_ value: Double) -> String { String(format: "%+.3g", value) }
    /// Scores in tooltips and comments: six significant digits with sign.
    static func long(_ value: Double) -> String { String(format: "%+.6g", value) }
    static func fixed(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
