import Foundation

extension JSONEncoder {
    /// circuitry's JSON outputs (summaries, emergence tables): snake_case keys like the graph
    /// file's, sorted and indented so files diff well and are the same bytes for the same
    /// numbers; NaN (e.g. F when m(M) = m(∅)) written as "NaN".
    public static var circuitry: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }
}

extension JSONDecoder {
    /// Reads what `JSONEncoder.circuitry` writes.
    public static var circuitry: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity",
                                                                        negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }
}
