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

    /// Above this many edges a drawing earns a warning.
    static let largeDrawing = 2000

    /// The output format, from `--out`'s extension.
    var format: Graphviz.Format? { Graphviz.Format(fileExtension: URL(fileURLWithPath: out).pathExtension) }

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: graph, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError("--graph \(graph): no such file")
        }
        guard format != nil else {
            let found = URL(fileURLWithPath: out).pathExtension
            throw ValidationError("--out \(out): \(found.isEmpty ? "no extension" : "unknown extension '.\(found)'") "
                                  + "(expected .svg, .png, .pdf or .dot)")
        }
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--out \(out): is a folder; give the file to write")
        }
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--out \(out): the folder \(folder) does not exist")
        }
    }

    func run() throws {
        let file = try GraphFile.read(from: URL(fileURLWithPath: graph))
        let circuit = try file.circuit(expecting: nil, file: graph)
        if circuit.edgeCount > Self.largeDrawing {
            // dot's layout time grows faster than linearly with the edges, and thousands of
            // crossing edges are no longer readable: a full graph is meant to be pruned first.
            FileHandle.standardError.write(Data(("drawing \(circuit.edgeCount) edges: layouts of more than "
                + "\(Self.largeDrawing) edges are slow and unreadable; prune the graph first\n").utf8))
        }
        let dot = CircuitDOT(title: title, meta: file.meta, legend: !noLegend).dot(circuit)
        let bytes = try Graphviz.render(dot: dot, format: format!)
        do {
            try bytes.write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CannotWrite(description: "\(out): cannot be written: \(error.localizedDescription)")
        }
        let full = circuit.graph
        print("wrote \(out): \(circuit.nodeCount) of \(full.sourceCount + 1) nodes, "
              + "\(circuit.edgeCount) of \(full.edges.count) edges")
    }
}

/// A failure to write an output file, reported with its path.
struct CannotWrite: Error, CustomStringConvertible {
    let description: String
}
