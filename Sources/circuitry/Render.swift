import ArgumentParser
import Export
import Foundation

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the circuit of a graph file as DOT, SVG, PNG or PDF (the format is --out's extension).",
        discussion: """
            Draws the nodes and edges that are in the circuit (in_graph), input at the bottom and logits at the \
            top, one rank per layer. Edge colour is the sign of the score (blue positive, red negative), edge width \
            its |score| relative to the circuit's largest; edges into a head's query are dashed, key dotted, value \
            solid; node fill is the node score (blue positive, red negative). Reads circuitry's graph JSON and \
            EAP-IG's own graph files. Rendering runs in-process through libgvc; the output is written only when \
            it is complete.
            """)

    @Option(help: ArgumentHelp("The graph JSON to draw (docs/graph-json.md).", valueName: "file"))
    var graph: String
    @Option(help: ArgumentHelp("The file to write: .svg, .png, .pdf or .dot.", valueName: "file"))
    var out: String
    @Option(help: "A title above the drawing.") var title: String?
    @Flag(name: .customLong("no-legend"), help: "Leave the line explaining colours and styles out of the drawing.")
    var noLegend = false

    func validate() throws {
        try requireFile(graph, option: "--graph")
        _ = try DrawingOutput(validating: out)
    }

    func run() throws {
        let file = try GraphFile.read(from: URL(fileURLWithPath: graph))
        let circuit = try file.circuit(expecting: nil, file: graph)
        let dot = CircuitDOT(title: title, meta: file.meta, legend: !noLegend).dot(circuit)
        try DrawingOutput(validating: out).write(dot: dot, edgeCount: circuit.edgeCount)
        let full = circuit.graph
        print("wrote \(out): \(circuit.nodeCount) of \(full.sourceCount + 1) nodes, "
              + "\(circuit.edgeCount) of \(full.edges.count) edges")
    }
}
