/// `config.json` of a Llama checkpoint (`model_type` `"llama"`).
///
/// Required: `hidden_size`, `intermediate_size`, `num_hidden_layers`, `num_attention_heads`,
/// `vocab_size`. Defaults as in transformers: `num_key_value_heads` = heads, `head_dim` =
/// hidden/heads, `rms_norm_eps` 1e-6, RoPE θ 10000, `tie_word_embeddings` false, `attention_bias`
/// false, `mlp_bias` false, `hidden_act` "silu", `max_position_embeddings` 2048, `bos_token_id` 1,
/// `eos_token_id` 2.
///
/// RoPE is read from `rope_scaling` (transformers 4, when not null/empty) or `rope_parameters`
/// (transformers 5), with the top-level `rope_theta` filling in (both must agree when both are
/// given). Only `rope_type` "default" is implemented; llama3, linear, dynamic, yarn… decode and
/// are reported as not supported yet.
public struct LlamaConfig: TransformersConfig {
    public static let modelType = "llama"
    public static let architectureClass = "LlamaForCausalLM"

    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var vocabSize: Int
    public var rmsNormEps: Double
    public var ropeParameters: RopeParameters
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool
    public var mlpBias: Bool
    public var hiddenAct: String
    public var maxPositionEmbeddings: Int
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]

    public init(
        hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, vocabSize: Int,
        numKeyValueHeads: Int? = nil, headDim: Int? = nil, rmsNormEps: Double = 1e-6,
        ropeParameters: RopeParameters = RopeParameters(), tieWordEmbeddings: Bool = false,
        attentionBias: Bool = false, mlpBias: Bool = false, hiddenAct: String = "silu",
        maxPositionEmbeddings: Int = 2048, bosTokenID: Int? = 1, eosTokenIDs: [Int] = [2]
    ) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.vocabSize = vocabSize
        self.rmsNormEps = rmsNormEps
        self.ropeParameters = ropeParameters
        self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias
        self.mlpBias = mlpBias
        self.hiddenAct = hiddenAct
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
    }

    /// RoPE base θ.
    public var ropeTheta: Double { ropeParameters.ropeTheta }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim"
        case vocabSize = "vocab_size"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case partialRotaryFactor = "partial_rotary_factor"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case mlpBias = "mlp_bias"
        case hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        let check = ConfigChecker(path: decoder.configPath)
        if let given = try c.decodeIfPresent(Int.self, forKey: .headDim) {
            headDim = given
        } else {
            try check.positive(numAttentionHeads, "num_attention_heads")
            try check.require(hiddenSize % numAttentionHeads == 0,
                              "hidden_size (\(hiddenSize)) is not divisible by num_attention_heads (\(numAttentionHeads)) and head_dim is not given")
            headDim = hiddenSize / numAttentionHeads
        }
        rmsNormEps = try c.value(.rmsNormEps, default: 1e-6)
        tieWordEmbeddings = try c.value(.tieWordEmbeddings, default: false)
        attentionBias = try c.value(.attentionBias, default: false)
        mlpBias = try c.value(.mlpBias, default: false)
        hiddenAct = try c.value(.hiddenAct, default: "silu")
        maxPositionEmbeddings = try c.value(.maxPositionEmbeddings, default: 2048)
        bosTokenID = try c.tokenID(.bosTokenID, default: 1)
        eosTokenIDs = try c.tokenIDs(.eosTokenID, default: [2])

        // transformers 5.23 RotaryEmbeddingConfigMixin: the dict's values first, then the top-level keys.
        let dict = try c.ropeDict(scaling: .ropeScaling, parameters: .ropeParameters)
        let key = dict?.key ?? "rope_parameters"
        let theta = try check.resolve(
            [(key: "\(key).rope_theta", value: dict?.json.ropeTheta),
             (key: "rope_theta", value: try c.decodeIfPresent(Double.self, forKey: .ropeTheta))],
            default: (key: "rope_theta", value: 10_000))
        let fraction = try check.resolve(
            [(key: "\(key).partial_rotary_factor", value: dict?.json.partialRotaryFactor),
             (key: "partial_rotary_factor", value: try c.decodeIfPresent(Double.self, forKey: .partialRotaryFactor))],
            default: (key: "partial_rotary_factor", value: 1.0))
        var rope = dict.map { RopeParameters(json: $0.json) } ?? RopeParameters()
        rope.ropeTheta = theta
        rope.partialRotaryFactor = fraction == 1 ? nil : fraction
        ropeParameters = rope
    }

    /// Writes `rope_parameters` (transformers 5) and `rope_theta` (transformers 4) with the same θ.
    public func encode(to encoder: any Encoder) throws {
        try encodeCommonKeys(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeParameters, forKey: .ropeParameters)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encodeOrNull(bosTokenID, forKey: .bosTokenID)
        try c.encodeTokenIDs(eosTokenIDs, forKey: .eosTokenID)
    }

    public func validate(path: String) throws(CheckpointError) {
        let check = ConfigChecker(path: path)
        try check.positive(hiddenSize, "hidden_size")
        try check.positive(intermediateSize, "intermediate_size")
        try check.positive(numHiddenLayers, "num_hidden_layers")
        try check.positive(numAttentionHeads, "num_attention_heads")
        try check.positive(numKeyValueHeads, "num_key_value_heads")
        try check.positive(headDim, "head_dim")
        try check.positive(vocabSize, "vocab_size")
        try check.positive(maxPositionEmbeddings, "max_position_embeddings")
        try check.require(numAttentionHeads % numKeyValueHeads == 0,
                          "num_attention_heads (\(numAttentionHeads)) is not divisible by num_key_value_heads (\(numKeyValueHeads))")
        try check.require(headDim % 2 == 0, "head_dim (\(headDim)) must be even for rotary embeddings")
        try check.positive(rmsNormEps, "rms_norm_eps")
        guard hiddenAct == "silu" else {
            throw CheckpointError(path: path, .unsupported("Llama hidden_act '\(hiddenAct)'", supported: "'silu'"))
        }
        guard ropeParameters.ropeType == "default" else {
            throw CheckpointError(path: path, .unsupported("Llama RoPE scaling \(ropeParameters.summary)", supported: "rope_type 'default'"))
        }
        try check.positive(ropeTheta, "rope_theta")
        if let fraction = ropeParameters.partialRotaryFactor, fraction != 1 {
            throw CheckpointError(path: path, .unsupported("Llama partial_rotary_factor \(fraction)", supported: "1.0"))
        }
    }
}
