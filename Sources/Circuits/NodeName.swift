/// A node of the EAP-IG graph read back from its name (`input`, `a{l}.h{h}`, `m{l}`, `logits`),
/// so circuits that arrive as names — graph files, circuits of other models — can be placed
/// by layer and head.
public enum NodeName: Hashable, Sendable, CustomStringConvertible {
    case input
    case head(layer: Int, head: Int)
    case mlp(layer: Int)
    case logits

    /// Parses an EAP-IG node name; nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "input": self = .input
        case "logits": self = .logits
        default:
            if text.hasPrefix("m"), let layer = Self.index(text.dropFirst()) {
                self = .mlp(layer: layer)
                return
            }
            guard text.hasPrefix("a") else { return nil }
            let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1].hasPrefix("h"),
                  let layer = Self.index(parts[0]), let head = Self.index(parts[1].dropFirst()) else { return nil }
            self = .head(layer: layer, head: head)
        }
    }

    /// Plain decimal digits only: `a01.h2` or `m+1` are not names the graph ever writes.
    private static func index(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              digits == "0" || !digits.hasPrefix("0") else { return nil }
        return Int(digits)
    }

    public var description: String {
        switch self {
        case .input: "input"
        case let .head(l, h): "a\(l).h\(h)"
        case let .mlp(l): "m\(l)"
        case .logits: "logits"
        }
    }

    /// The layer of a head or MLP; nil for input and logits.
    public var layer: Int? {
        switch self {
        case let .head(l, _), let .mlp(l): l
        case .input, .logits: nil
        }
    }

    /// Heads and MLPs: the components a circuit selects (input and logits are its ends).
    public var isComponent: Bool { layer != nil }
}

/// An EAP-IG edge name `U->D`, where D may carry a `<q>`, `<k>` or `<v>` input suffix.
public struct EdgeName: Hashable, Sendable {
    /// The upstream node's name.
    public let source: String
    /// The downstream node's name, without the input suffix.
    public let destination: String
    /// `q`, `k` or `v` for head inputs; nil for MLP and logits inputs.
    public let role: String?

    /// Splits an edge name; nil when it has no `->` or a malformed suffix.
    public init?(_ text: String) {
        guard let arrow = text.range(of: "->") else { return nil }
        let source = String(text[..<arrow.lowerBound])
        var destination = String(text[arrow.upperBound...])
        var role: String?
        if destination.hasSuffix(">") {
            guard let open = destination.lastIndex(of: "<") else { return nil }
            let inside = destination[destination.index(after: open)..<destination.index(before: destination.endIndex)]
            guard ["q", "k", "v"].contains(inside) else { return nil }
            role = String(inside)
            destination = String(destination[..<open])
        }
        guard !source.isEmpty, !destination.isEmpty else { return nil }
        self.source = source
        self.destination = destination
        self.role = role
    }
}
