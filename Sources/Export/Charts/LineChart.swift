/// A named line over training steps; a missing or non-finite value breaks the line there.
public struct StepSeries: Sendable, Equatable {
    public var name: String
    public var points: [(step: Int, value: Double?)]

    public init(name: String, points: [(step: Int, value: Double?)]) {
        self.name = name
        self.points = points
    }

    public static func == (a: StepSeries, b: StepSeries) -> Bool {
        a.name == b.name && a.points.count == b.points.count
            && zip(a.points, b.points).allSatisfy { $0.step == $1.step && $0.value == $1.value }
    }
}

/// A line chart of quantities against training step (log-scaled, step 0 included), as SVG:
/// axes with ticks and labels, one coloured line with point markers per series, a legend.
/// Pure string generation: the same input gives the same bytes.
public struct LineChart: Sendable, Equatable {
    public var title: String
    public var yLabel: String
    public var xLabel = "training step (log scale: log10(1 + step))"
    public var series: [StepSeries]
    /// A fixed value range (e.g. 0…1 for overlaps); nil fits the data.
    public var yDomain: ClosedRange<Double>?
    /// Stretch a fitted value axis down (or up) to 0, for counts and sizes.
    public var includesZero = false
    public var width = 760.0
    public var height = 420.0

    /// Tableau 10: distinct in print and for the common colour-vision deficiencies.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public init(title: String, yLabel: String, series: [StepSeries], yDomain: ClosedRange<Double>? = nil,
                includesZero: Bool = false) {
        self.title = title
        self.yLabel = yLabel
        self.series = series
        self.yDomain = yDomain
        self.includesZero = includesZero
    }

    public func svg() -> String {
        // The legend's column is as wide as its longest name (about 7 px a character at 12 px).
        let longestName = series.map(\.name.count).max() ?? 0
        let left = 72.0, right = 64.0 + 7 * Double(min(longestName, 40)), top = 44.0, bottom = 58.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let finite = series.flatMap { $0.points.compactMap { $0.value.flatMap { $0.isFinite ? $0 : nil } } }
        let steps = series.flatMap { $0.points.map(\.step) }
        let xAxis = StepAxis(steps: steps)
        let yAxis = ValueAxis(values: finite + (includesZero ? [0] : []), domain: yDomain)
        func x(_ step: Int) -> Double { left + xAxis.fraction(step) * plotWidth }
        func y(_ value: Double) -> Double { top + (1 - yAxis.fraction(value)) * plotHeight }

        var out = SVGText.open(width: width, height: height, title: title)
        out += SVGText.text(title, x: left + plotWidth / 2, y: 24, size: 15, weight: "bold")
        // Grid and ticks.
        for tick in yAxis.ticks {
            out += SVGText.line(x1: left, y1: y(tick), x2: left + plotWidth, y2: y(tick), stroke: "#e6e6e6")
            out += SVGText.text(SVGText.number(tick, decimals: yAxis.decimals), x: left - 8, y: y(tick) + 4, anchor: "end")
        }
        for tick in xAxis.ticks {
            out += SVGText.line(x1: x(tick), y1: top, x2: x(tick), y2: top + plotHeight, stroke: "#e6e6e6")
            out += SVGText.line(x1: x(tick), y1: top + plotHeight, x2: x(tick), y2: top + plotHeight + 5, stroke: "#444444")
            out += SVGText.text(StepAxis.label(tick), x: x(tick), y: top + plotHeight + 19)
        }
        out += SVGText.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, stroke: "#444444")
        out += SVGText.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: "#444444")
        out += SVGText.text(xLabel, x: left + plotWidth / 2, y: height - 14)
        out += SVGText.text(yLabel, x: 18, y: top + plotHeight / 2, rotate: -90)

        // Lines clipped to the plot, so a value outside a fixed domain cannot spill over the axes.
        out += #"<defs><clipPath id="plot"><rect x="\#(SVGText.coordinate(left))" y="\#(SVGText.coordinate(top - 4))" width="\#(SVGText.coordinate(plotWidth))" height="\#(SVGText.coordinate(plotHeight + 8))"/></clipPath></defs>"#
            + "\n<g clip-path=\"url(#plot)\">\n"
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            out += "<g stroke=\"\(colour)\" fill=\"\(colour)\"><title>\(SVGText.escape(line.name))</title>\n"
            for run in Self.runs(line.points) where run.count > 1 {
                let coordinates = run.map { "\(SVGText.coordinate(x($0.step))),\(SVGText.coordinate(y($0.value)))" }
                out += "<polyline fill=\"none\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>\n"
            }
            for point in Self.runs(line.points).joined() {
                out += #"<circle cx="\#(SVGText.coordinate(x(point.step)))" cy="\#(SVGText.coordinate(y(point.value)))" r="3"/>"#
                    + "\n"
            }
            out += "</g>\n"
        }
        out += "</g>\n"

        // Legend, right of the plot.
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let rowY = top + 10 + Double(index) * 20
            out += SVGText.line(x1: left + plotWidth + 16, y1: rowY, x2: left + plotWidth + 40, y2: rowY, stroke: colour, width: 2)
            out += SVGText.text(line.name, x: left + plotWidth + 46, y: rowY + 4, anchor: "start")
        }
        return out + "</svg>\n"
    }

    /// Consecutive stretches of finite values, in step order.
    static func runs(_ points: [(step: Int, value: Double?)]) -> [[(step: Int, value: Double)]] {
        var runs: [[(step: Int, value: Double)]] = [[]]
        for point in points.sorted(by: { $0.step < $1.step }) {
            if let value = point.value, value.isFinite {
                runs[runs.count - 1].append((point.step, value))
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.filter { !$0.isEmpty }
    }
}
