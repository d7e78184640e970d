import Foundation

/// The small pieces every chart writes: escaped text and fixed-precision numbers, so the same
/// data always gives the same bytes and any label is valid XML.
enum SVGText {
    /// Text or attribute value with the five XML specials escaped; characters XML 1.0 forbids
    /// (control characters other than tab, newline, carriage return) are dropped.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && !(0xFFFE...0xFFFF).contains(scalar.value) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// A coordinate: two decimals, no "-0.00".
    static func coordinate(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        return text == "-0.00" ? "0.00" : text
    }

    /// A value label with `decimals` digits after the point, no "-0".
    static func number(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(max(0, decimals))f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    static let header = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// The opening `<svg>` element, with a white background and the chart's title as `<title>`.
    static func open(width: Double, height: Double, title: String) -> String {
        """
        \(header)
        <svg xmlns="http://www.w3.org/2000/svg" width="\(coordinate(width))" height="\(coordinate(height))" \
        viewBox="0 0 \(coordinate(width)) \(coordinate(height))" font-family="sans-serif" font-size="12">
        <title>\(escape(title))</title>
        <rect x="0" y="0" width="\(coordinate(width))" height="\(coordinate(height))" fill="#ffffff"/>

        """
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String = "middle", size: Int? = nil,
                     weight: String? = nil, rotate: Double? = nil, fill: String = "#222222") -> String {
        var attributes = #"x="\#(coordinate(x))" y="\#(coordinate(y))" text-anchor="\#(anchor)" fill="\#(fill)""#
        if let size { attributes += #" font-size="\#(size)""# }
        if let weight { attributes += #" font-weight="\#(weight)""# }
        if let rotate { attributes += #" transform="rotate(\#(coordinate(rotate)) \#(coordinate(x)) \#(coordinate(y)))""# }
        return "<text \(attributes)>\(escape(content))</text>\n"
    }

    /// A rectangle; `body` (already escaped) goes inside it, e.g. a `<title>` tooltip.
    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                     body: String = "") -> String {
        var attributes = "x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" width=\"\(coordinate(width))\" "
            + "height=\"\(coordinate(height))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"0.5\"" }
        return body.isEmpty ? "<rect \(attributes)/>\n" : "<rect \(attributes)>\(body)</rect>\n"
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) -> String {
        #"<line x1="\#(coordinate(x1))" y1="\#(coordinate(y1))" x2="\#(coordinate(x2))" y2="\#(coordinate(y2))" stroke="\#(stroke)" stroke-width="\#(coordinate(width))"/>"#
            + "\n"
    }
}
