import Testing
@testable import Circuits
@testable import Export

@Suite struct EmergenceCSVTests {
    @Test func oneRowPerCheckpointWithEmptyFieldsForWhatDoesNotExist() throws {
        let points = [
            EmergencePoint(step: 0, circuit: NamedCircuit(layers: 1, heads: 1, nodeScores: ["a0.h0": 1, "m0": 1], nodes: ["a0.h0"]),
                           measurements: StepMeasurements(cleanMetric: 0.5, concentrationK90: 2)),
            EmergencePoint(step: 9, circuit: NamedCircuit(layers: 1, heads: 1, nodeScores: ["a0.h0": 1, "m0": 1], nodes: ["a0.h0", "m0"]),
                           measurements: StepMeasurements(cleanMetric: 1.25, faithfulness: .infinity)),
        ]
        let csv = EmergenceCSV.rows(try EmergenceSummary(points: points, topK: 1))
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines.last == "")
        #expect(lines[0] == EmergenceCSV.columns.joined(separator: ","))
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let second = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(first.count == EmergenceCSV.columns.count && second.count == EmergenceCSV.columns.count)
        func value(_ row: [String], _ column: String) -> String { row[EmergenceCSV.columns.firstIndex(of: column)!] }
        #expect(value(first, "step") == "0" && value(first, "clean_metric") == "0.5" && value(first, "concentration_k90") == "2")
        #expect(value(first, "node_jaccard_prev") == "" && value(first, "node_change") == "")
        #expect(value(first, "node_jaccard_final") == "0.5" && value(first, "edge_jaccard_final") == "")
        #expect(value(second, "faithfulness") == "inf" && value(second, "concentration_k90") == "")
        #expect(value(second, "node_change") == "0.5" && value(second, "node_change_per_decade") == "0.5")
        #expect(value(second, "nodes") == "2" && value(second, "components") == "2")
    }

    @Test func pairwiseMatrixTable() {
        let matrix = PairwiseMatrix(steps: [0, 100], values: [[1, 0.25], [0.25, 1]])
        #expect(EmergenceCSV.matrix(matrix) == "step,0,100\n0,1.0,0.25\n100,0.25,1.0\n")
    }
}
