import Circuits

/// `emergence.csv`: one row per checkpoint, the per-step columns of `EmergenceSummary` flattened
/// (`_prev` against the previous checkpoint, `_final` against the final one). An empty field
/// is a value that does not exist (the first row has no previous; node methods have no edges;
/// measurements not taken). Numbers are written in Swift's shortest round-trip form.
public enum EmergenceCSV {
    public static let columns = [
        "step", "clean_metric", "corrupted_metric", "faithfulness", "final_circuit_faithfulness", "concentration_k90",
        "nodes", "edges", "components",
        "node_jaccard_prev", "edge_jaccard_prev", "node_weighted_jaccard_prev", "edge_weighted_jaccard_prev",
        "node_top_k_prev", "edge_top_k_prev", "spectral_prev",
        "node_jaccard_final", "edge_jaccard_final", "node_weighted_jaccard_final", "edge_weighted_jaccard_final",
        "node_top_k_final", "edge_top_k_final", "spectral_final",
        "node_change", "node_change_per_decade",
    ]

    public static func rows(_ summary: EmergenceSummary) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for row in summary.rows {
            let m = row.measurements
            let fields: [String] = [
                String(row.step), field(m.cleanMetric), field(m.corruptedMetric), field(m.faithfulness),
                field(m.finalCircuitFaithfulness), m.concentrationK90.map(String.init) ?? "",
                String(row.nodes), String(row.edges), String(row.components),
            ] + overlapFields(row.vsPrevious) + [field(row.spectralVsPrevious)]
                + overlapFields(row.vsFinal) + [field(row.spectralVsFinal), field(row.nodeChange), field(row.nodeChangePerDecade)]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// A pairwise matrix: a `step` column, then one column per step.
    public static func matrix(_ matrix: PairwiseMatrix) -> String {
        var out = (["step"] + matrix.steps.map(String.init)).joined(separator: ",") + "\n"
        for (step, row) in zip(matrix.steps, matrix.values) {
            out += ([String(step)] + row.map { field($0) }).joined(separator: ",") + "\n"
        }
        return out
    }

    private static func overlapFields(_ overlap: CircuitOverlap?) -> [String] {
        [field(overlap?.nodeJaccard), field(overlap?.edgeJaccard), field(overlap?.nodeWeightedJaccard),
         field(overlap?.edgeWeightedJaccard), field(overlap?.nodeTopK), field(overlap?.edgeTopK)]
    }

    private static func field(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
}
