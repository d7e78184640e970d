/// One minimal pair, tokenized and checked: two prompts of equal token length
/// that differ in the variable under study, and the two single-token
/// continuations whose logit difference is the metric.
///
/// The answer is correct after the clean prompt and the foil after the
/// corrupted one; both ids are read on both prompts.
public struct MinimalPair: Sendable, Hashable {
    public let cleanIds: [Int]
    public let corruptedIds: [Int]
    public let answerId: Int
    public let foilId: Int
    /// 1-based line of the pair in its file.
    public let line: Int
    /// Text for display: as written in the file, or decoded from the ids.
    public let text: Text
    /// Other string-valued fields of the line (e.g. `voice`, `asks`), for analysis.
    public let tags: [String: String]

    public struct Text: Sendable, Hashable {
        public let clean: String
        public let corrupted: String
        public let answer: String
        public let foil: String

        public init(clean: String, corrupted: String, answer: String, foil: String) {
            self.clean = clean
            self.corrupted = corrupted
            self.answer = answer
            self.foil = foil
        }
    }

    public init(cleanIds: [Int], corruptedIds: [Int], answerId: Int, foilId: Int, line: Int, text: Text,
                tags: [String: String] = [:]) {
        self.cleanIds = cleanIds
        self.corruptedIds = corruptedIds
        self.answerId = answerId
        self.foilId = foilId
        self.line = line
        self.text = text
        self.tags = tags
    }

    /// Token length of both prompts.
    public var length: Int { cleanIds.count }
}
