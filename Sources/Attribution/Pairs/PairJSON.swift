/// A JSON value as the pair and template files need it: objects keep their members
/// in file order, and numbers keep their literal text so integers (token ids) are
/// told apart from fractions and from values too large for `Int`.
enum PairJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([PairJSON])
    case object([Member])

    struct Member: Sendable, Equatable {
        let key: String
        let value: PairJSON
    }

    /// The JSON type name, for error messages ("a string", "an array", …).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case let .number(text): Int(text) == nil ? "a number" : "an integer"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value of `key` in an object (nil for other values or a missing key).
    subscript(key: String) -> PairJSON? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The keys of an object, in file order.
    var keys: [String] {
        guard case let .object(members) = self else { return [] }
        return members.map(\.key)
    }

    var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// An integer written without fraction or exponent that fits in `Int`.
    var int: Int? {
        if case let .number(text) = self { return Int(text) }
        return nil
    }

    var array: [PairJSON]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// A short rendering of the value for error messages.
    var snippet: String {
        var text = PairJSONWriter.write(self)
        if text.count > 60 { text = String(text.prefix(57)) + "..." }
        return text
    }
}
