/// Rotary position embedding settings: transformers 5's `rope_parameters`, transformers 4's
/// `rope_scaling` (with `type` or `rope_type`), and the top-level spellings folded in.
///
/// circuitry implements `rope_type` `"default"`; other types (linear, dynamic, yarn, llama3,
/// longrope) decode so the error can name them, and are rejected by validation.
public struct RopeParameters: Codable, Sendable, Equatable {
    public var ropeType: String
    /// Base of the inverse frequencies (θ).
    public var ropeTheta: Double
    /// Fraction of each head's dimensions that rotate (GPT-NeoX's `rotary_pct`); nil means all.
    public var partialRotaryFactor: Double?
    // Scaled variants (not implemented; kept so errors and re-encoding can name them).
    public var factor: Double?
    public var lowFreqFactor: Double?
    public var highFreqFactor: Double?
    public var originalMaxPositionEmbeddings: Int?
    public var attentionFactor: Double?
    public var betaFast: Double?
    public var betaSlow: Double?

    public init(
        ropeType: String = "default", ropeTheta: Double = 10_000, partialRotaryFactor: Double? = nil,
        factor: Double? = nil, lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil,
        originalMaxPositionEmbeddings: Int? = nil, attentionFactor: Double? = nil,
        betaFast: Double? = nil, betaSlow: Double? = nil
    ) {
        self.ropeType = ropeType
        self.ropeTheta = ropeTheta
        self.partialRotaryFactor = partialRotaryFactor
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
        self.attentionFactor = attentionFactor
        self.betaFast = betaFast
        self.betaSlow = betaSlow
    }

    enum CodingKeys: String, CodingKey {
        case ropeType = "rope_type"
        case legacyType = "type"
        case ropeTheta = "rope_theta"
        case partialRotaryFactor = "partial_rotary_factor"
        case factor
        case lowFreqFactor = "low_freq_factor"
        case highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        case attentionFactor = "attention_factor"
        case betaFast = "beta_fast"
        case betaSlow = "beta_slow"
    }

    public init(from decoder: any Decoder) throws {
        self.init(json: try RopeParametersJSON(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ropeType, forKey: .ropeType)
        try container.encode(ropeTheta, forKey: .ropeTheta)
        try container.encodeIfPresent(partialRotaryFactor, forKey: .partialRotaryFactor)
        try container.encodeIfPresent(factor, forKey: .factor)
        try container.encodeIfPresent(lowFreqFactor, forKey: .lowFreqFactor)
        try container.encodeIfPresent(highFreqFactor, forKey: .highFreqFactor)
        try container.encodeIfPresent(originalMaxPositionEmbeddings, forKey: .originalMaxPositionEmbeddings)
        try container.encodeIfPresent(attentionFactor, forKey: .attentionFactor)
        try container.encodeIfPresent(betaFast, forKey: .betaFast)
        try container.encodeIfPresent(betaSlow, forKey: .betaSlow)
    }

    /// A description for "not supported" errors, e.g. `rope_type 'llama3' (factor 8.0)`.
    var summary: String {
        var text = "rope_type '\(ropeType)'"
        if let factor { text += " (factor \(factor))" }
        return text
    }
}

/// `rope_parameters` / `rope_scaling` as the file has it, every key optional.
struct RopeParametersJSON: Decodable {
    var ropeType: String?
    var ropeTheta: Double?
    var partialRotaryFactor: Double?
    var factor: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Int?
    var attentionFactor: Double?
    var betaFast: Double?
    var betaSlow: Double?

    init(from decoder: any Decoder) throws {
        typealias Key = RopeParameters.CodingKeys
        let container = try decoder.container(keyedBy: Key.self)
        ropeType = try container.decodeIfPresent(String.self, forKey: .ropeType)
            ?? container.decodeIfPresent(String.self, forKey: .legacyType)
        ropeTheta = try container.decodeIfPresent(Double.self, forKey: .ropeTheta)
        partialRotaryFactor = try container.decodeIfPresent(Double.self, forKey: .partialRotaryFactor)
        factor = try container.decodeIfPresent(Double.self, forKey: .factor)
        lowFreqFactor = try container.decodeIfPresent(Double.self, forKey: .lowFreqFactor)
        highFreqFactor = try container.decodeIfPresent(Double.self, forKey: .highFreqFactor)
        originalMaxPositionEmbeddings = try container.decodeIfPresent(Int.self, forKey: .originalMaxPositionEmbeddings)
        attentionFactor = try container.decodeIfPresent(Double.self, forKey: .attentionFactor)
        betaFast = try container.decodeIfPresent(Double.self, forKey: .betaFast)
        betaSlow = try container.decodeIfPresent(Double.self, forKey: .betaSlow)
    }

    /// True for `{}`, which transformers treats like no dict at all.
    var isEmpty: Bool {
        ropeType == nil && ropeTheta == nil && partialRotaryFactor == nil && factor == nil
            && lowFreqFactor == nil && highFreqFactor == nil && originalMaxPositionEmbeddings == nil
            && attentionFactor == nil && betaFast == nil && betaSlow == nil
    }
}

extension KeyedDecodingContainer {
    /// The rope dict transformers 5 uses: a non-empty `rope_scaling` (transformers 4's key) wins over
    /// `rope_parameters`. Returns the dict and the key it came from.
    func ropeDict(scaling: Key, parameters: Key) throws -> (json: RopeParametersJSON, key: String)? {
        if let scaled = try decodeIfPresent(RopeParametersJSON.self, forKey: scaling), !scaled.isEmpty {
            return (scaled, scaling.stringValue)
        }
        if let given = try decodeIfPresent(RopeParametersJSON.self, forKey: parameters) {
            return (given, parameters.stringValue)
        }
        return nil
    }
}

extension RopeParameters {
    /// The file's dict with transformers' defaults filled in.
    init(json: RopeParametersJSON) {
        self.init(
            ropeType: json.ropeType ?? "default", ropeTheta: json.ropeTheta ?? 10_000,
            partialRotaryFactor: json.partialRotaryFactor, factor: json.factor,
            lowFreqFactor: json.lowFreqFactor, highFreqFactor: json.highFreqFactor,
            originalMaxPositionEmbeddings: json.originalMaxPositionEmbeddings,
            attentionFactor: json.attentionFactor, betaFast: json.betaFast, betaSlow: json.betaSlow)
    }
}
