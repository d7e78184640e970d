import Foundation

/// Viridis: perceptually uniform, readable in greyscale and for the common colour-vision
/// deficiencies. Ten anchors of matplotlib's table, interpolated linearly in RGB.
enum ColorScale {
    static let anchors: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
    ]

    /// The colour of `t` in 0…1 (clamped) as `#rrggbb`; grey for a non-finite value.
    static func hex(_ t: Double) -> String {
        guard t.isFinite else { return "#cccccc" }
        let (r, g, b) = rgb(t)
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    static func rgb(_ t: Double) -> (Double, Double, Double) {
        let position = min(1, max(0, t)) * Double(anchors.count - 1)
        let index = min(Int(position), anchors.count - 2)
        let f = position - Double(index)
        let a = anchors[index], b = anchors[index + 1]
        return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// Dark text on light cells, light text on dark ones (relative luminance, ITU-R BT.709).
    static func textColour(_ t: Double) -> String {
        guard t.isFinite else { return "#222222" }
        let (r, g, b) = rgb(t)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? "#222222" : "#ffffff"
    }
}
