/// `config.json` of a GPT-2 checkpoint (`model_type` `"gpt2"`).
///
/// Required: `n_embd`, `n_layer`, `n_head`, `vocab_size`. Defaults as in transformers:
/// `n_positions` 1024 (older files' `n_ctx` is read when it is absent), `n_inner` null (4·n_embd),
/// `activation_function` "gelu_new", `layer_norm_epsilon` 1e-5, `tie_word_embeddings` true,
/// `scale_attn_weights` true, `scale_attn_by_inverse_layer_idx` false, `reorder_and_upcast_attn`
/// false, `bos_token_id`/`eos_token_id` 50256.
public struct GPT2Config: TransformersConfig {
    public static let modelType = "gpt2"
    public static let architectureClass = "GPT2LMHeadModel"

    public var nEmbd: Int
    public var nLayer: Int
    public var nHead: Int
    public var nPositions: Int
    public var vocabSize: Int
    /// MLP width; nil means 4·n_embd.
    public var nInner: Int?
    public var activationFunction: String
    public var layerNormEpsilon: Double
    public var tieWordEmbeddings: Bool
    public var scaleAttnWeights: Bool
    public var scaleAttnByInverseLayerIdx: Bool
    public var reorderAndUpcastAttn: Bool
    public var bosTokenID: Int?
    /// One id, several, or none (`eos_token_id` may be a list).
    public var eosTokenIDs: [Int]

    public init(
        nEmbd: Int, nLayer: Int, nHead: Int, vocabSize: Int, nPositions: Int = 1024, nInner: Int? = nil,
        activationFunction: String = "gelu_new", layerNormEpsilon: Double = 1e-5,
        tieWordEmbeddings: Bool = true, scaleAttnWeights: Bool = true,
        scaleAttnByInverseLayerIdx: Bool = false, reorderAndUpcastAttn: Bool = false,
        bosTokenID: Int? = 50256, eosTokenIDs: [Int] = [50256]
    ) {
        self.nEmbd = nEmbd
        self.nLayer = nLayer
        self.nHead = nHead
        self.vocabSize = vocabSize
        self.nPositions = nPositions
        self.nInner = nInner
        self.activationFunction = activationFunction
        self.layerNormEpsilon = layerNormEpsilon
        self.tieWordEmbeddings = tieWordEmbeddings
        self.scaleAttnWeights = scaleAttnWeights
        self.scaleAttnByInverseLayerIdx = scaleAttnByInverseLayerIdx
        self.reorderAndUpcastAttn = reorderAndUpcastAttn
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
    }

    /// MLP width (`n_inner`, or 4·n_embd when null).
    public var dMLP: Int { nInner ?? 4 * nEmbd }
    /// Per-head width.
    public var dHead: Int { nEmbd / nHead }

    enum CodingKeys: String, CodingKey {
        case nEmbd = "n_embd"
        case nLayer = "n_layer"
        case nHead = "n_head"
        case nPositions = "n_positions"
        case nCtx = "n_ctx"
        case vocabSize = "vocab_size"
        case nInner = "n_inner"
        case activationFunction = "activation_function"
        case layerNormEpsilon = "layer_norm_epsilon"
        case tieWordEmbeddings = "tie_word_embeddings"
        case scaleAttnWeights = "scale_attn_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
        case reorderAndUpcastAttn = "reorder_and_upcast_attn"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nEmbd = try c.decode(Int.self, forKey: .nEmbd)
        nLayer = try c.decode(Int.self, forKey: .nLayer)
        nHead = try c.decode(Int.self, forKey: .nHead)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        nPositions = try c.decodeIfPresent(Int.self, forKey: .nPositions) ?? c.value(.nCtx, default: 1024)
        nInner = try c.decodeIfPresent(Int.self, forKey: .nInner)
        activationFunction = try c.value(.activationFunction, default: "gelu_new")
        layerNormEpsilon = try c.value(.layerNormEpsilon, default: 1e-5)
        tieWordEmbeddings = try c.value(.tieWordEmbeddings, default: true)
        scaleAttnWeights = try c.value(.scaleAttnWeights, default: true)
        scaleAttnByInverseLayerIdx = try c.value(.scaleAttnByInverseLayerIdx, default: false)
        reorderAndUpcastAttn = try c.value(.reorderAndUpcastAttn, default: false)
        bosTokenID = try c.tokenID(.bosTokenID, default: 50256)
        eosTokenIDs = try c.tokenIDs(.eosTokenID, default: [50256])
    }

    public func encode(to encoder: any Encoder) throws {
        try encodeCommonKeys(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nEmbd, forKey: .nEmbd)
        try c.encode(nLayer, forKey: .nLayer)
        try c.encode(nHead, forKey: .nHead)
        try c.encode(nPositions, forKey: .nPositions)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encodeOrNull(nInner, forKey: .nInner)
        try c.encode(activationFunction, forKey: .activationFunction)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(scaleAttnWeights, forKey: .scaleAttnWeights)
        try c.encode(scaleAttnByInverseLayerIdx, forKey: .scaleAttnByInverseLayerIdx)
        try c.encode(reorderAndUpcastAttn, forKey: .reorderAndUpcastAttn)
        try c.encodeOrNull(bosTokenID, forKey: .bosTokenID)
        try c.encodeTokenIDs(eosTokenIDs, forKey: .eosTokenID)
    }

    public func validate(path: String) throws(CheckpointError) {
        let check = ConfigChecker(path: path)
        try check.positive(nEmbd, "n_embd")
        try check.positive(nLayer, "n_layer")
        try check.positive(nHead, "n_head")
        try check.positive(vocabSize, "vocab_size")
        try check.positive(nPositions, "n_positions")
        try check.positive(dMLP, nInner == nil ? "4·n_embd" : "n_inner")
        try check.require(nEmbd % nHead == 0, "n_embd (\(nEmbd)) is not divisible by n_head (\(nHead))")
        try check.positive(layerNormEpsilon, "layer_norm_epsilon")
        try check.activation(activationFunction, "activation_function")
    }
}
