import Circuits

/// The standard charts of an emergence run, each as (file name, SVG): the metric and
/// faithfulness against step, overlap against step, circuit size, and the pairwise heatmaps.
/// Charts whose data the summary lacks (no edges, no measurements yet) are left out.
public enum EmergenceCharts {
    public static func all(_ summary: EmergenceSummary) -> [(name: String, svg: String)] {
        let rows = summary.rows
        func series(_ name: String, _ value: (EmergenceRow) -> Double?) -> StepSeries {
            StepSeries(name: name, points: rows.map { (step: $0.step, value: value($0)) })
        }
        func present(_ lines: [StepSeries]) -> [StepSeries] {
            lines.filter { $0.points.contains { $0.value?.isFinite ?? false } }
        }
        var charts: [(name: String, svg: String)] = []
        func addLines(_ name: String, _ title: String, _ yLabel: String, _ lines: [StepSeries],
                      domain: ClosedRange<Double>? = nil, includesZero: Bool = false) {
            let lines = present(lines)
            if !lines.isEmpty {
                let chart = LineChart(title: title, yLabel: yLabel, series: lines, yDomain: domain, includesZero: includesZero)
                charts.append((name, chart.svg()))
            }
        }

        addLines("metric.svg", "Metric over training", "metric (mean over pairs)", [
            series("clean") { $0.measurements.cleanMetric },
            series("corrupted") { $0.measurements.corruptedMetric },
        ])
        addLines("faithfulness.svg", "Faithfulness over training", "normalised faithfulness F", [
            series("own circuit") { $0.measurements.faithfulness },
            series("final circuit") { $0.measurements.finalCircuitFaithfulness },
        ])
        addLines("overlap.svg", "Circuit overlap over training", "similarity", [
            series("nodes vs final (Jaccard)") { $0.vsFinal.nodeJaccard },
            series("nodes vs final (weighted)") { $0.vsFinal.nodeWeightedJaccard },
            series("edges vs final (Jaccard)") { $0.vsFinal.edgeJaccard },
            series("nodes vs previous") { $0.vsPrevious?.nodeJaccard },
            series("spectral vs final") { $0.spectralVsFinal },
        ], domain: 0...1)
        addLines("size.svg", "Circuit size and concentration", "count", [
            series("nodes") { Double($0.nodes) },
            series("components") { Double($0.components) },
            series("k90 (concentration)") { $0.measurements.concentrationK90.map(Double.init) },
        ], includesZero: true)

        let matrices: [(String, String, PairwiseMatrix?)] = [
            ("pairwise-node-jaccard.svg", "Node Jaccard between checkpoints", summary.pairwise.nodeJaccard),
            ("pairwise-weighted-jaccard.svg", "Weighted node Jaccard between checkpoints", summary.pairwise.nodeWeightedJaccard),
            ("pairwise-edge-jaccard.svg", "Edge Jaccard between checkpoints", summary.pairwise.edgeJaccard),
            ("pairwise-spectral.svg", "Spectral similarity between checkpoints (\(summary.definitions.spectralVariant))",
             summary.pairwise.spectral),
        ]
        for case let (name, title, matrix?) in matrices {
            let heatmap = Heatmap(title: title, matrix: matrix, colourBarLabel: "similarity",
                                  domain: Heatmap.similarityDomain(matrix.values))
            charts.append((name, heatmap.svg()))
        }
        return charts
    }
}
