/// `config.json` of a GPT-NeoX / Pythia checkpoint (`model_type` `"gpt_neox"`).
///
/// Required: `hidden_size`, `num_hidden_layers`, `num_attention_heads`, `intermediate_size`,
/// `vocab_size`. Defaults as in transformers: `hidden_act` "gelu", rotary fraction 0.25, rotary
/// base 10000, `use_parallel_residual` true, `layer_norm_eps` 1e-5, `tie_word_embeddings` false,
/// `attention_bias` true, `max_position_embeddings` 2048, `bos_token_id` 0, `eos_token_id` 2.
///
/// The rotary settings are read from every spelling transformers has used, in its priority order:
/// `rope_scaling` (transformers 4, when not null/empty) or `rope_parameters` (transformers 5:
/// `{"rope_type", "rope_theta", "partial_rotary_factor"}`), then `rotary_pct` / `rotary_emb_base`
/// (Pythia checkpoints). The top-level `partial_rotary_factor` / `rope_theta` that transformers 4.4x
/// wrote beside them are ignored by transformers 5 and must agree.
public struct GPTNeoXConfig: TransformersConfig {
    public static let modelType = "gpt_neox"
    public static let architectureClass = "GPTNeoXForCausalLM"

    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var hiddenAct: String
    /// Rotary settings; `partialRotaryFactor` is always set (the rotary fraction).
    public var ropeParameters: RopeParameters
    public var useParallelResidual: Bool
    public var layerNormEps: Double
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool
    public var maxPositionEmbeddings: Int
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]

    public init(
        hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int, vocabSize: Int,
        hiddenAct: String = "gelu", rotaryPct: Double = 0.25, rotaryEmbBase: Double = 10_000,
        useParallelResidual: Bool = true, layerNormEps: Double = 1e-5, tieWordEmbeddings: Bool = false,
        attentionBias: Bool = true, maxPositionEmbeddings: Int = 2048, bosTokenID: Int? = 0, eosTokenIDs: [Int] = [2]
    ) {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.hiddenAct = hiddenAct
        self.ropeParameters = RopeParameters(ropeType: "default", ropeTheta: rotaryEmbBase, partialRotaryFactor: rotaryPct)
        self.useParallelResidual = useParallelResidual
        self.layerNormEps = layerNormEps
        self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
    }

    /// Fraction of each head's dimensions that rotate (`rotary_pct`, `partial_rotary_factor`).
    public var rotaryPct: Double { ropeParameters.partialRotaryFactor ?? 1 }
    /// Rotary base θ (`rotary_emb_base`, `rope_theta`).
    public var rotaryEmbBase: Double { ropeParameters.ropeTheta }
    /// Per-head width.
    public var dHead: Int { hiddenSize / numAttentionHeads }
    /// Rotating dimensions per head: `int(d_head · rotary_pct)`, as transformers computes it.
    public var rotaryDim: Int { Int(Double(dHead) * rotaryPct) }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case vocabSize = "vocab_size"
        case hiddenAct = "hidden_act"
        case ropeParameters = "rope_parameters"
        case ropeScaling = "rope_scaling"
        case rotaryPct = "rotary_pct"
        case rotaryEmbBase = "rotary_emb_base"
        case partialRotaryFactor = "partial_rotary_factor"
        case ropeTheta = "rope_theta"
        case useParallelResidual = "use_parallel_residual"
        case layerNormEps = "layer_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case maxPositionEmbeddings = "max_position_embeddings"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenAct = try c.value(.hiddenAct, default: "gelu")
        useParallelResidual = try c.value(.useParallelResidual, default: true)
        layerNormEps = try c.value(.layerNormEps, default: 1e-5)
        tieWordEmbeddings = try c.value(.tieWordEmbeddings, default: false)
        attentionBias = try c.value(.attentionBias, default: true)
        maxPositionEmbeddings = try c.value(.maxPositionEmbeddings, default: 2048)
        bosTokenID = try c.tokenID(.bosTokenID, default: 0)
        eosTokenIDs = try c.tokenIDs(.eosTokenID, default: [2])

        // transformers 5.23 GPTNeoXConfig.convert_rope_params_to_dict: the dict first, then
        // rotary_pct / rotary_emb_base, then 0.25 / 10000.
        let dict = try c.ropeDict(scaling: .ropeScaling, parameters: .ropeParameters)
        let check = ConfigChecker(path: decoder.configPath)
        let theta = try check.resolve(
            [(key: "\(dict?.key ?? "rope_parameters").rope_theta", value: dict?.json.ropeTheta),
             (key: "rotary_emb_base", value: try c.decodeIfPresent(Double.self, forKey: .rotaryEmbBase))],
            mirrors: [(key: "rope_theta", value: try c.decodeIfPresent(Double.self, forKey: .ropeTheta))],
            default: (key: "rotary_emb_base", value: 10_000))
        let fraction = try check.resolve(
            [(key: "\(dict?.key ?? "rope_parameters").partial_rotary_factor", value: dict?.json.partialRotaryFactor),
             (key: "rotary_pct", value: try c.decodeIfPresent(Double.self, forKey: .rotaryPct))],
            mirrors: [(key: "partial_rotary_factor", value: try c.decodeIfPresent(Double.self, forKey: .partialRotaryFactor))],
            default: (key: "rotary_pct", value: 0.25))
        var rope = dict.map { RopeParameters(json: $0.json) } ?? RopeParameters()
        rope.ropeTheta = theta
        rope.partialRotaryFactor = fraction
        ropeParameters = rope
    }

    /// Writes both spellings: `rope_parameters` (read by transformers 5) and `rotary_pct` /
    /// `rotary_emb_base` (read by transformers 4), with the same values.
    public func encode(to encoder: any Encoder) throws {
        try encodeCommonKeys(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(ropeParameters, forKey: .ropeParameters)
        try c.encode(rotaryPct, forKey: .rotaryPct)
        try c.encode(rotaryEmbBase, forKey: .rotaryEmbBase)
        try c.encode(useParallelResidual, forKey: .useParallelResidual)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encodeOrNull(bosTokenID, forKey: .bosTokenID)
        try c.encodeTokenIDs(eosTokenIDs, forKey: .eosTokenID)
    }

    public func validate(path: String) throws(CheckpointError) {
        let check = ConfigChecker(path: path)
        try check.positive(hiddenSize, "hidden_size")
        try check.positive(numHiddenLayers, "num_hidden_layers")
        try check.positive(numAttentionHeads, "num_attention_heads")
        try check.positive(intermediateSize, "intermediate_size")
        try check.positive(vocabSize, "vocab_size")
        try check.positive(maxPositionEmbeddings, "max_position_embeddings")
        try check.require(hiddenSize % numAttentionHeads == 0,
                          "hidden_size (\(hiddenSize)) is not divisible by num_attention_heads (\(numAttentionHeads))")
        try check.positive(layerNormEps, "layer_norm_eps")
        try check.activation(hiddenAct, "hidden_act")
        guard ropeParameters.ropeType == "default" else {
            throw CheckpointError(path: path, .unsupported("GPT-NeoX RoPE scaling \(ropeParameters.summary)", supported: "rope_type 'default'"))
        }
        try check.positive(rotaryEmbBase, "rotary base (rotary_emb_base / rope_theta)")
        try check.require(rotaryPct > 0 && rotaryPct <= 1,
                          "rotary fraction (rotary_pct / partial_rotary_factor) must be in (0, 1], got \(rotaryPct)")
        try check.require(rotaryDim > 0 && rotaryDim % 2 == 0,
                          "rotary dimension int(\(dHead) × \(rotaryPct)) = \(rotaryDim) must be even and positive")
    }
}
