/// A JSON value together with where it sits (file and key path), so every
/// accessor can throw a `TokenizerError` that names both.
struct JSONNode {
    let value: JSONValue
    let path: String
    let file: String

    init(value: JSONValue, path: String, file: String) {
        self.value = value
        self.path = path
        self.file = file
    }

    func error(_ message: String) -> TokenizerError {
        TokenizerError(file: file, path: path.isEmpty ? nil : path, message: message)
    }

    var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    private func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The member `key` of an object; a missing member reads as `null`.
    subscript(key: String) -> JSONNode {
        var found = JSONValue.null
        if case .object(let members) = value {
            for member in members where member.key.utf8.elementsEqual(key.utf8) {
                found = member.value
                break
            }
        }
        return JSONNode(value: found, path: childPath(key), file: file)
    }

    /// Whether the object has the member `key` (even if it is `null`).
    func has(_ key: String) -> Bool {
        guard case .object(let members) = value else { return false }
        return members.contains { $0.key.utf8.elementsEqual(key.utf8) }
    }

    private func wrongType(_ expected: String) -> TokenizerError {
        if isNull { return error("is missing (expected \(expected))") }
        return error("is \(value.typeName), expected \(expected)")
    }

    func string() throws(TokenizerError) -> String {
        guard case .string(let s) = value else { throw wrongType("a string") }
        return s
    }

    func optionalString() throws(TokenizerError) -> String? {
        if isNull { return nil }
        return try string()
    }

    func bool(default defaultValue: Bool) throws(TokenizerError) -> Bool {
        switch value {
        case .null: return defaultValue
        case .bool(let b): return b
        default: throw wrongType("a boolean")
        }
    }

    func int() throws(TokenizerError) -> Int {
        guard case .number(let text) = value else { throw wrongType("an integer") }
        // Serde reads an id written as 5.0 too; what counts is the value.
        guard let d = Double(text), d >= 0, d < 2_147_483_648, let i = Int(exactly: d) else {
            throw error("is \(text), expected a non-negative integer below 2^31")
        }
        return i
    }

    func int(default defaultValue: Int) throws(TokenizerError) -> Int {
        if isNull { return defaultValue }
        return try int()
    }

    func array() throws(TokenizerError) -> [JSONNode] {
        guard case .array(let elements) = value else { throw wrongType("an array") }
        return elements.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    func object() throws(TokenizerError) -> [(key: String, node: JSONNode)] {
        guard case .object(let members) = value else { throw wrongType("an object") }
        return members.map { (key: $0.key, node: JSONNode(value: $0.value, path: childPath($0.key), file: file)) }
    }

    /// The `type` member of a component, checked against the supported names.
    func componentType(supported: [String]) throws(TokenizerError) -> String {
        let typeNode = self["type"]
        let name = try typeNode.string()
        guard supported.contains(name) else {
            throw typeNode.error("\"\(name)\" is not supported (supported: \(supported.joined(separator: ", ")))")
        }
        return name
    }

    /// A character-valued member (a string of exactly one Unicode scalar).
    func scalar() throws(TokenizerError) -> Unicode.Scalar {
        let s = try string()
        var scalars = s.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else {
            throw error("is \"\(s)\", expected a single character")
        }
        return first
    }
}
