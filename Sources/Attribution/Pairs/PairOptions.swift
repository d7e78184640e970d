import Foundation
import Models

/// How text pairs are tokenized and ids are checked.
public struct PairOptions: Sendable, Equatable {
    /// Put BOS first in every text prompt whose encoding does not already start
    /// with it (TransformerLens's habit). Id pairs are never changed.
    public var prependBOS: Bool
    /// The BOS id to prepend; nil: the tokenizer's own (`Tokenizer.bosTokenId`).
    public var bosTokenId: Int?
    /// Ids must be below this; nil: the tokenizer's `vocabSize`.
    public var vocabSize: Int?

    public init(prependBOS: Bool = false, bosTokenId: Int? = nil, vocabSize: Int? = nil) {
        self.prependBOS = prependBOS
        self.bosTokenId = bosTokenId
        self.vocabSize = vocabSize
    }

    /// Options for a loaded checkpoint: BOS as `bosToken(tokenizer:directory:)` finds it,
    /// and ids checked against both the tokenizer's and the embedding's size.
    public init(prependBOS: Bool, model: LoadedModel) {
        self.init(prependBOS: prependBOS,
                  bosTokenId: Self.bosToken(tokenizer: model.tokenizer, directory: model.directory),
                  vocabSize: min(model.tokenizer.vocabSize, model.transformer.dims.vocab))
    }

    /// The BOS of a checkpoint: the one the tokenizer's post-processor adds, else the
    /// `bos_token` of `tokenizer_config.json` in `directory` (GPT-2 and Pythia add no
    /// BOS themselves but name `<|endoftext|>` there, which TransformerLens prepends).
    public static func bosToken(tokenizer: Tokenizer, directory: URL?) -> Int? {
        if let bos = tokenizer.bosTokenId { return bos }
        guard let directory,
              let data = try? Data(contentsOf: directory.appendingPathComponent("tokenizer_config.json")),
              let config = try? JSONParser.parse([UInt8](data), multiline: true, refusingDuplicateKeys: true),
              let entry = config["bos_token"] else { return nil }
        // `bos_token` is a string, or an AddedToken object {"content": …}.
        guard let content = entry.string ?? entry["content"]?.string else { return nil }
        return tokenizer.id(for: content)
    }
}
