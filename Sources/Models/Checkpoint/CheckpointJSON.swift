import Foundation

/// A coding key for JSON objects whose keys are data (tensor names, shard names).
struct CheckpointCodingKey: CodingKey, Hashable {
    let stringValue: String
    let intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// What went wrong in a `DecodingError`, in words a person editing the JSON understands.
struct CheckpointDecodingProblem {
    /// The coding path as the file spells it: `rope_parameters.factor`, `shape[1]`; empty at the top.
    var keys: [String]
    var kind: Kind

    enum Kind {
        case invalidJSON(String)
        case missingKey
        case wrongType(expected: String)
        case invalidValue(String)
    }

    var keyPath: String { Self.format(keys) }

    static func format(_ keys: [String]) -> String {
        var text = ""
        for key in keys {
            if key.hasPrefix("[") { text += key } else { text += text.isEmpty ? key : ".\(key)" }
        }
        return text
    }

    /// Describes `error`, raised decoding `json`. `integerKeys` names keys that must hold integers: Foundation
    /// reports a fractional number for an integer key as invalid JSON with no key, so it is looked up here.
    init(_ error: any Error, json: Data, integerKeys: Set<String> = []) {
        self.init(error)
        guard case .invalidJSON = kind, keys.isEmpty else { return }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            kind = .invalidJSON(jsonErrorDetail(error))
            return
        }
        // The JSON is valid, so some value did not fit its type.
        if let found = Self.nonInteger(in: parsed, keys: integerKeys, path: []) {
            keys = found.path
            kind = .wrongType(expected: "an integer, got \(found.value)")
        } else {
            kind = .invalidValue("a number does not fit the type its key needs (an integer written with a fraction, or too large)")
        }
    }

    private static func nonInteger(in value: Any, keys: Set<String>, path: [String]) -> (path: [String], value: Any)? {
        guard let object = value as? [String: Any] else { return nil }
        for name in object.keys.sorted() {
            let item = object[name]!
            if keys.contains(name), item is NSNumber, jsonInteger(item) == nil, !(item is NSNull) {
                return (path + [name], item)
            }
            if let nested = nonInteger(in: item, keys: keys, path: path + [name]) { return nested }
        }
        return nil
    }

    init(_ error: any Error) {
        guard let error = error as? DecodingError else {
            keys = []
            kind = .invalidJSON(String(describing: error))
            return
        }
        func names(_ path: [any CodingKey]) -> [String] {
            path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
        }
        switch error {
        case let .keyNotFound(key, context):
            keys = names(context.codingPath + [key])
            kind = .missingKey
        case let .valueNotFound(type, context):
            keys = names(context.codingPath)
            kind = .wrongType(expected: Self.describe(type) + ", not null")
        case let .typeMismatch(type, context):
            keys = names(context.codingPath)
            kind = .wrongType(expected: Self.describe(type))
        case let .dataCorrupted(context):
            keys = names(context.codingPath)
            if context.codingPath.isEmpty {
                let detail = context.underlyingError.map { Self.underlyingMessage($0) } ?? context.debugDescription
                kind = .invalidJSON(detail)
            } else {
                kind = .invalidValue(context.debugDescription)
            }
        @unknown default:
            keys = []
            kind = .invalidJSON(String(describing: error))
        }
    }

    private static func underlyingMessage(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return String(describing: error)
    }

    /// A JSON-flavoured name for a Swift type.
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int?.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Double?.Type, is Float.Type: return "a number"
        case is String.Type, is String?.Type: return "a string"
        case is Bool.Type, is Bool?.Type: return "true or false"
        case is [Int].Type: return "an array of integers"
        case is [String].Type: return "an array of strings"
        case is [String: String].Type: return "an object of strings"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}
