/// Filling the placeholders of role templates.
extension String {
    /// Replaces each `{name}` whose name is in `values`; other braces stay as written.
    func filled(_ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(self)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"),
                  let value = values[String(rest[rest.index(after: open)..<close])] else {
                out.append("{")
                rest = rest[rest.index(after: open)...]
                continue
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    func replacingPlaceholder(_ name: String, with value: String) -> String {
        filled([name: value])
    }

    /// The text with its first character upper-cased ("the chef …" → "The chef …").
    func capitalizingFirst() -> String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
