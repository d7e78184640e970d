/// A parsed JSON value, as circuitry's own strict reader gives it (tokenizer.json,
/// pair files, role templates).
///
/// Objects keep their members in file order and every key exactly as written: Swift
/// `String` comparison is canonical-equivalence based, so a `Dictionary<String, _>` would
/// merge vocabulary entries such as a precomposed "é" and "e" + U+0301 that Hugging Face
/// keeps apart. Numbers keep their literal text, so integers (token ids) are told apart
/// from fractions and from values too large for `Int`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Sendable, Equatable {
        public let key: String
        public let value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The JSON type name, for error messages ("a string", "an array", …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case let .number(text): Int(text) == nil ? "a number" : "an integer"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value of `key` in an object, compared byte for byte (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// The keys of an object, in file order.
    public var keys: [String] {
        guard case let .object(members) = self else { return [] }
        return members.map(\.key)
    }

    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// An integer written without fraction or exponent that fits in `Int`.
    public var int: Int? {
        if case let .number(text) = self { return Int(text) }
        return nil
    }

    /// Any number, as the nearest `Double`.
    public var double: Double? {
        if case let .number(text) = self { return Double(text) }
        return nil
    }

    public var array: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// A JSON integer.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A JSON array of integers.
    public static func integers(_ values: [Int]) -> JSONValue { .array(values.map(integer)) }

    /// A short rendering of the value for error messages.
    public var snippet: String {
        var text = JSONWriter.write(self)
        if text.count > 60 { text = String(text.prefix(57)) + "..." }
        return text
    }
}
