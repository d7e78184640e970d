import CGraphviz
import Foundation
import Synchronization

/// Renders DOT in-process through libgvc (no `dot` subprocess), and reads DOT back
/// through libcgraph. Graphviz keeps global state and is not thread-safe, so every
/// call holds one process-wide lock.
public enum Graphviz {
    public enum Format: String, Sendable, CaseIterable {
        case svg, png, pdf, dot

        /// The format a file name asks for, by its extension.
        public init?(fileExtension: String) {
            self.init(rawValue: fileExtension.lowercased())
        }
    }

    private static let lock = Mutex(())

    /// Lays out `dot` with the `dot` engine and renders it as `format`.
    public static func render(dot: String, format: Format) throws(GraphvizError) -> Data {
        if format == .dot { return Data(dot.utf8) }
        return try lock.withLock { _ throws(GraphvizError) in
            guard let context = gvContext() else { throw .noContext }
            defer { gvFreeContext(context) }
            let graph = try parse(dot)
            defer { agclose(graph) }
            guard gvLayout(context, graph, "dot") == 0 else { throw .layoutFailed(lastError()) }
            defer { gvFreeLayout(context, graph) }
            var buffer: UnsafeMutablePointer<CChar>?
            var length: UInt32 = 0
            guard gvRenderData(context, graph, format.rawValue, &buffer, &length) == 0, let buffer else {
                throw .renderFailed(format: format.rawValue, lastError())
            }
            defer { gvFreeRenderData(buffer) }
            return Data(bytes: buffer, count: Int(length))
        }
    }

    /// Node and edge counts of a DOT graph as libcgraph reads it, leaving out invisible ones
    /// (`style=invis`): those only steer the layout, like the edges that keep a circuit's
    /// layers in order.
    public static func counts(dot: String) throws(GraphvizError) -> (nodes: Int, edges: Int) {
        try lock.withLock { _ throws(GraphvizError) in
            let graph = try parse(dot)
            defer { agclose(graph) }
            var nodes = 0
            var edges = 0
            var node = agfstnode(graph)
            while let current = node {
                if !isInvisible(current) { nodes += 1 }
                var edge = agfstout(graph, current)
                while let out = edge {
                    if !isInvisible(out) { edges += 1 }
                    edge = agnxtout(graph, out)
                }
                node = agnxtnode(graph, current)
            }
            return (nodes, edges)
        }
    }

    /// Whether a node or edge has `invis` among its styles. Must be called with the lock held.
    private static func isInvisible(_ object: UnsafeMutableRawPointer) -> Bool {
        let style = "style".withCString { name in agget(object, UnsafeMutablePointer(mutating: name)) }
        guard let style else { return false }
        return String(cString: style).split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "invis" }
    }

    /// Must be called with the lock held.
    private static func parse(_ dot: String) throws(GraphvizError) -> UnsafeMutablePointer<Agraph_t> {
        _ = agseterr(AGMAX)  // keep libcgraph from printing; errors are read back with aglasterr
        guard let graph = dot.withCString({ agmemread($0) }) else { throw .invalidDOT(lastError()) }
        return graph
    }

    private static func lastError() -> String {
        guard let message = aglasterr() else { return "no message from graphviz" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public enum GraphvizError: Error, Equatable, CustomStringConvertible {
    case noContext
    case invalidDOT(String)
    case layoutFailed(String)
    case renderFailed(format: String, String)

    public var description: String {
        switch self {
        case .noContext: "graphviz: could not create a rendering context"
        case let .invalidDOT(message): "graphviz: the DOT text does not parse: \(message)"
        case let .layoutFailed(message): "graphviz: layout failed: \(message)"
        case let .renderFailed(format, message): "graphviz: rendering \(format) failed: \(message)"
        }
    }
}
