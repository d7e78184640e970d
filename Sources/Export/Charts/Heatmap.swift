import Circuits

/// A matrix as coloured cells (viridis over a fixed domain) with row and column labels, a
/// colour bar with ticks, a tooltip per cell, and the values printed in the cells when they
/// fit. Pure string generation: the same input gives the same bytes.
public struct Heatmap: Sendable, Equatable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; a non-finite value is drawn grey.
    public var values: [[Double]]
    /// The values mapped onto the colour scale's ends (clamped outside it).
    public var domain: ClosedRange<Double>
    public var colourBarLabel: String
    public var axisLabel: String

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]],
                domain: ClosedRange<Double> = 0...1, colourBarLabel: String = "", axisLabel: String = "") {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count },
                     "one row of values per row label, one value per column label")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.domain = domain
        self.colourBarLabel = colourBarLabel
        self.axisLabel = axisLabel
    }

    /// A pairwise matrix over checkpoints, labelled by step.
    public init(title: String, matrix: PairwiseMatrix, colourBarLabel: String, domain: ClosedRange<Double> = 0...1) {
        let labels = matrix.steps.map(String.init)
        self.init(title: title, rowLabels: labels, columnLabels: labels, values: matrix.values, domain: domain,
                  colourBarLabel: colourBarLabel, axisLabel: "training step")
    }

    public func svg() -> String {
        let rows = rowLabels.count, columns = columnLabels.count
        // Cells shrink to keep the map within ~520 px; labels thin out to at most ~24 per axis.
        let cell = max(2, min(36, 520 / Double(max(rows, columns, 1))))
        let left = 96.0, top = 48.0
        let mapWidth = cell * Double(columns), mapHeight = cell * Double(rows)
        let barX = left + mapWidth + 28, barWidth = 16.0
        let width = barX + barWidth + 70, height = top + mapHeight + 84
        let rowStride = max(1, Int((Double(rows) / 24).rounded(.up)))
        let columnStride = max(1, Int((Double(columns) / 24).rounded(.up)))
        let printValues = rows <= 12 && columns <= 12
        func t(_ value: Double) -> Double { (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound) }

        var out = SVGText.open(width: width, height: height, title: title)
        out += SVGText.text(title, x: left + mapWidth / 2, y: 26, size: 15, weight: "bold")
        // Crisp edges: anti-aliased neighbours would otherwise leave hairline seams between cells.
        out += "<g shape-rendering=\"crispEdges\">\n"
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                out += SVGText.rect(x: x, y: y, width: cell, height: cell, fill: ColorScale.hex(t(value)),
                                    body: "<title>\(SVGText.escape("\(rowLabels[r]) × \(columnLabels[c]): \(Self.format(value))"))</title>")
                if printValues {
                    out += SVGText.text(Self.format(value), x: x + cell / 2, y: y + cell / 2 + 4, size: 10,
                                        fill: ColorScale.textColour(t(value)))
                }
            }
        }
        out += "</g>\n"
        for r in stride(from: 0, to: rows, by: rowStride) {
            out += SVGText.text(rowLabels[r], x: left - 6, y: top + (Double(r) + 0.5) * cell + 4, anchor: "end", size: 11)
        }
        for c in stride(from: 0, to: columns, by: columnStride) {
            out += SVGText.text(columnLabels[c], x: left + (Double(c) + 0.5) * cell, y: top + mapHeight + 12, anchor: "end",
                                size: 11, rotate: -45)
        }
        if !axisLabel.isEmpty {
            out += SVGText.text(axisLabel, x: left + mapWidth / 2, y: height - 12)
            out += SVGText.text(axisLabel, x: 16, y: top + mapHeight / 2, rotate: -90)
        }

        // Colour bar: the scale's anchors as gradient stops, top = domain's upper end.
        out += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"
        for index in 0..<ColorScale.anchors.count {
            let t = Double(index) / Double(ColorScale.anchors.count - 1)
            out += "<stop offset=\"\(SVGText.number(t, decimals: 4))\" stop-color=\"\(ColorScale.hex(t))\"/>\n"
        }
        out += "</linearGradient></defs>\n"
        out += SVGText.rect(x: barX, y: top, width: barWidth, height: mapHeight, fill: "url(#scale)", stroke: "#444444")
        let axis = ValueAxis(values: [], domain: domain)
        for tick in axis.ticks {
            let y = top + (1 - axis.fraction(tick)) * mapHeight
            out += SVGText.line(x1: barX + barWidth, y1: y, x2: barX + barWidth + 4, y2: y, stroke: "#444444")
            out += SVGText.text(SVGText.number(tick, decimals: axis.decimals), x: barX + barWidth + 7, y: y + 4, anchor: "start", size: 11)
        }
        if !colourBarLabel.isEmpty {
            out += SVGText.text(colourBarLabel, x: barX + barWidth + 52, y: top + mapHeight / 2, size: 11, rotate: 90)
        }
        return out + "</svg>\n"
    }

    /// A similarity's colour range: from its smallest finite value, rounded down to a multiple of
    /// 0.05, up to 1 — so a matrix whose values all lie in 0.95…1 (typical of spectral
    /// similarity) still shows its structure, and the colour bar says which range is shown.
    public static func similarityDomain(_ values: [[Double]]) -> ClosedRange<Double> {
        let smallest = values.joined().filter(\.isFinite).min() ?? 0
        let low = min(0.95, max(0, (smallest * 20).rounded(.down) / 20))
        return low...1
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? SVGText.number(value, decimals: 2) : "n/a"
    }
}
