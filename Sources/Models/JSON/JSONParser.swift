/// A strict JSON parser (RFC 8259) over UTF-8 bytes. Errors give the line and
/// column, and nesting is limited so hostile input cannot exhaust the stack.
public struct JSONParser {
    public struct Failure: Error, Equatable {
        /// What went wrong and where ("at column 12: expected ':' after an object key").
        public let message: String
    }

    private let bytes: [UInt8]
    private var index = 0
    private static let maxDepth = 256

    /// Parses one JSON document. `multiline` puts the line number in error positions (a
    /// JSONL line names its line itself); `refusingDuplicateKeys` makes a key repeated in
    /// one object an error (pair files), where tokenizer.json keeps every member as written.
    public static func parse(_ bytes: [UInt8], multiline: Bool = false,
                             refusingDuplicateKeys: Bool = false) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes, multiline: multiline, refusingDuplicateKeys: refusingDuplicateKeys)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private let multiline: Bool
    private let refusingDuplicateKeys: Bool

    private init(bytes: [UInt8], multiline: Bool, refusingDuplicateKeys: Bool) {
        self.bytes = bytes
        self.multiline = multiline
        self.refusingDuplicateKeys = refusingDuplicateKeys
    }

    private func failure(_ message: String) -> Failure {
        var line = 1, column = 1
        for byte in bytes[0..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        let place = multiline ? "line \(line), column \(column)" : "column \(column)"
        let found = index < bytes.count ? "" : " (the text ends here)"
        return Failure(message: "at \(place): \(message)\(found)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func peek(_ ascii: Unicode.Scalar) -> Bool {
        index < bytes.count && bytes[index] == UInt8(ascii: ascii)
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        guard index < bytes.count else { throw failure("expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character '\(Self.character(at: index, in: bytes))'")
        }
    }

    private static func character(at index: Int, in bytes: [UInt8]) -> String {
        let end = min(bytes.count, index + 4)
        let decoded = String(decoding: bytes[index..<end], as: UTF8.self)
        return decoded.first.map(String.init) ?? "?"
    }

    private mutating func expectWord(_ word: String) throws(Failure) {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<(index + utf8.count)]) == utf8 else {
            throw failure("unexpected character '\(Self.character(at: index, in: bytes))'")
        }
        index += utf8.count
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var members: [JSONValue.Member] = []
        var keys = Set<[UInt8]>()
        skipWhitespace()
        if peek("}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek("\"") else { throw failure("expected a key in double quotes") }
            let keyStart = index
            let key = try parseString()
            if refusingDuplicateKeys, !keys.insert(Array(key.utf8)).inserted {
                index = keyStart
                throw failure("duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard peek(":") else { throw failure("expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            members.append(.init(key: key, value: try parseValue(depth: depth + 1)))
            skipWhitespace()
            if peek(",") {
                index += 1
            } else if peek("}") {
                index += 1
                return .object(members)
            } else {
                throw failure("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek("]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if peek(",") {
                index += 1
            } else if peek("]") {
                index += 1
                return .array(elements)
            } else {
                throw failure("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = index
        if peek("-") { index += 1 }
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.index
            while parser.index < parser.bytes.count,
                  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - first
        }
        let integerStart = index
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw failure("invalid number") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            index = integerStart
            throw failure("invalid number (leading zero)")
        }
        if peek(".") {
            index += 1
            guard digits(&self) > 0 else { throw failure("invalid number (no digits after '.')") }
        }
        if peek("e") || peek("E") {
            index += 1
            if peek("+") || peek("-") { index += 1 }
            guard digits(&self) > 0 else { throw failure("invalid number (no digits in the exponent)") }
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private mutating func parseHex4() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw failure("truncated \\u escape") }
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseString() throws(Failure) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                break
            }
            guard byte >= 0x20 else { throw failure("control character in a string (escape it)") }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw failure("unterminated string") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard peek("\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired surrogate in a \\u escape")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw failure("unpaired surrogate in a \\u escape")
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                out.append(contentsOf: Array(String(scalar).utf8))
            default:
                index -= 1
                throw failure("invalid escape '\\\(Self.character(at: index, in: bytes))'")
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
        return string
    }
}
