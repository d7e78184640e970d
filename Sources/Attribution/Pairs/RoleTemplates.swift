import Foundation
import Models

/// Templates and word lists for role-cross minimal pairs, read from a JSON file
/// (format described in `circuits/roles/README.md`).
///
/// A prompt is `Sentence. Question` + the filler group's answer prefix, where the
/// sentence names an agent and a patient drawn from one filler group; the answer
/// is `" " + word` of the role the question asks for, the foil the other word. The
/// corrupted prompt swaps agent and patient.
public struct RoleTemplates: Sendable, Equatable {
    /// A group of interchangeable role fillers ("Lily", "Tom", … or "chef", "waiter", …).
    public struct FillerGroup: Sendable, Equatable {
        public let name: String
        /// How a filler is written in the sentence, with `{word}`: "{word}", "the {word}".
        public let mention: String
        /// Text after the question, before the answer: "" for names, " The" for "the chef".
        public let answerPrefix: String
        public let words: [String]
    }

    public struct Verb: Sendable, Equatable {
        public let past: String
        public let participle: String
    }

    public enum Role: String, Sendable, CaseIterable, Equatable, Hashable {
        case agent, patient
    }

    public struct Template: Sendable, Equatable {
        /// A label for analysis: "active", "passive", "dative", …
        public let voice: String
        /// With `{agent}`, `{patient}`, `{past}`, `{participle}`, `{object}`.
        public let sentence: String
        /// The question asking for each role, with the same placeholders.
        public let questions: [Role: String]
        /// Name of the verb list.
        public let verbs: String
        /// Name of the object list, when the template has `{object}`.
        public let objects: String?
        /// Filler groups to draw from (all groups when the file does not say).
        public let fillers: [String]
    }

    public let fillerGroups: [FillerGroup]
    public let verbLists: [String: [Verb]]
    public let objectLists: [String: [String]]
    public let templates: [Template]
    /// The file the templates came from, for messages.
    public let source: String

    static let placeholders: Set<String> = ["agent", "patient", "past", "participle", "object"]
    static let format = "circuitry-roles-1"

    /// Reads a templates file; word lists given as file names are read relative to its folder.
    public init(contentsOf url: URL) throws(RolePairError) {
        let file = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .template(file: file, place: nil, message: "cannot be read (\(error.localizedDescription))")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse([UInt8](data), multiline: true, refusingDuplicateKeys: true)
        } catch {
            throw .template(file: file, place: nil, message: "malformed JSON \(error.message)")
        }
        try self.init(json: root, source: file, folder: url.deletingLastPathComponent())
    }

    init(json root: JSONValue, source: String, folder: URL) throws(RolePairError) {
        self.source = source
        func fail(_ place: String?, _ message: String) -> RolePairError {
            .template(file: source, place: place, message: message)
        }
        guard case let .object(members) = root else { throw fail(nil, "must hold a JSON object, found \(root.typeName)") }
        let known = ["format", "fillers", "verbs", "objects", "templates", "comment"]
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw fail(unknown.key, "is not a known key (known: \(known.joined(separator: ", ")))")
        }
        if let format = root["format"], format.string != Self.format {
            throw fail("format", "is \(format.snippet), expected \"\(Self.format)\"")
        }

        // A word list is an array of strings, or the name of a text file beside the templates file.
        func list(_ value: JSONValue?, _ place: String) throws(RolePairError) -> [(entry: String, place: String)] {
            guard let value else { throw fail(place, "is missing") }
            if let name = value.string {
                let url = folder.appendingPathComponent(name)
                let text: String
                do {
                    text = try String(contentsOf: url, encoding: .utf8)
                } catch {
                    throw fail(place, "names the word list \(url.path), which cannot be read (\(error.localizedDescription))")
                }
                var entries: [(String, String)] = []
                for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let entry = line.trimmingCharacters(in: .whitespacesAndNewlines)
                    if entry.isEmpty || entry.hasPrefix("#") { continue }
                    entries.append((entry, "\(url.lastPathComponent) line \(i + 1)"))
                }
                guard !entries.isEmpty else { throw fail(place, "names the word list \(url.path), which has no entries") }
                return entries
            }
            guard let array = value.array else {
                throw fail(place, "must be an array of strings or the name of a word-list file, found \(value.typeName)")
            }
            var entries: [(String, String)] = []
            for (i, element) in array.enumerated() {
                guard let s = element.string, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw fail("\(place)[\(i)]", "must be a non-empty string, found \(element.snippet)")
                }
                entries.append((s.trimmingCharacters(in: .whitespaces), "\(place)[\(i)]"))
            }
            guard !entries.isEmpty else { throw fail(place, "is empty") }
            return entries
        }
        func unique(_ entries: [String], _ places: [String], _ place: String) throws(RolePairError) {
            var seen: Set<String> = []
            for (entry, where_) in zip(entries, places) where !seen.insert(entry).inserted {
                throw fail(place, "lists \(entry.debugDescription) twice (again at \(where_))")
            }
        }
        func object(_ key: String) throws(RolePairError) -> [JSONValue.Member] {
            guard let value = root[key] else { throw fail(key, "is missing") }
            guard case let .object(members) = value, !members.isEmpty else {
                throw fail(key, "must be a non-empty object of named lists, found \(value.snippet)")
            }
            return members
        }

        var groups: [FillerGroup] = []
        for member in try object("fillers") {
            let place = "fillers.\(member.key)"
            guard case .object = member.value else { throw fail(place, "must be an object with mention, answer_prefix, words") }
            guard let mention = member.value["mention"]?.string, mention.contains("{word}") else {
                throw fail("\(place).mention", "must be a string containing {word}, e.g. \"the {word}\"")
            }
            guard let prefix = member.value["answer_prefix"]?.string else {
                throw fail("\(place).answer_prefix", "must be a string (\"\" when the answer follows the question directly)")
            }
            let entries = try list(member.value["words"], "\(place).words")
            try unique(entries.map(\.entry), entries.map(\.place), "\(place).words")
            groups.append(FillerGroup(name: member.key, mention: mention, answerPrefix: prefix, words: entries.map(\.entry)))
        }

        var verbLists: [String: [Verb]] = [:]
        for member in try object("verbs") {
            let place = "verbs.\(member.key)"
            var verbs: [Verb] = []
            let entries = try list(member.value, place)
            for (entry, at) in entries {
                let forms = entry.split(whereSeparator: \.isWhitespace).map(String.init)
                guard forms.count == 1 || forms.count == 2 else {
                    throw fail(place, "entry \(entry.debugDescription) at \(at) must be \"past\" or \"past participle\"")
                }
                verbs.append(Verb(past: forms[0], participle: forms.last!))
            }
            try unique(verbs.map(\.past), entries.map(\.place), place)
            verbLists[member.key] = verbs
        }

        var objectLists: [String: [String]] = [:]
        if root["objects"] != nil {
            for member in try object("objects") {
                let entries = try list(member.value, "objects.\(member.key)")
                try unique(entries.map(\.entry), entries.map(\.place), "objects.\(member.key)")
                objectLists[member.key] = entries.map(\.entry)
            }
        }

        guard let templateArray = root["templates"]?.array, !templateArray.isEmpty else {
            throw fail("templates", "must be a non-empty array of templates")
        }
        var templates: [Template] = []
        for (i, value) in templateArray.enumerated() {
            let place = "templates[\(i)]"
            guard case let .object(members) = value else { throw fail(place, "must be an object, found \(value.typeName)") }
            let knownKeys = ["voice", "sentence", "questions", "verbs", "objects", "fillers", "comment"]
            if let unknown = members.first(where: { !knownKeys.contains($0.key) }) {
                throw fail("\(place).\(unknown.key)", "is not a known key (known: \(knownKeys.joined(separator: ", ")))")
            }
            guard let voice = value["voice"]?.string, !voice.isEmpty else { throw fail("\(place).voice", "must be a non-empty string") }
            guard let sentence = value["sentence"]?.string else { throw fail("\(place).sentence", "must be a string") }
            guard let verbs = value["verbs"]?.string, verbLists[verbs] != nil else {
                throw fail("\(place).verbs", "must name a verb list (\(verbLists.keys.sorted().joined(separator: ", ")))")
            }
            var objects: String?
            if let name = value["objects"] {
                guard let s = name.string, objectLists[s] != nil else {
                    throw fail("\(place).objects", "must name an object list (\(objectLists.keys.sorted().joined(separator: ", ")))")
                }
                objects = s
            }
            guard case let .object(questionMembers) = value["questions"] ?? .null, !questionMembers.isEmpty else {
                throw fail("\(place).questions", "must be an object with an \"agent\" and/or a \"patient\" question")
            }
            var questions: [Role: String] = [:]
            for q in questionMembers {
                guard let role = Role(rawValue: q.key) else {
                    throw fail("\(place).questions.\(q.key)", "is not a role (agent, patient)")
                }
                guard let text = q.value.string, !text.isEmpty else {
                    throw fail("\(place).questions.\(q.key)", "must be a non-empty string")
                }
                questions[role] = text
            }
            for (field, text) in [("sentence", sentence)] + questionMembers.map({ ("questions.\($0.key)", $0.value.string!) }) {
                let used = Self.placeholders(in: text)
                if let bad = used.first(where: { !Self.placeholders.contains($0) }) {
                    throw fail("\(place).\(field)", "has the unknown placeholder {\(bad)} (known: {agent}, {patient}, {past}, "
                        + "{participle}, {object})")
                }
                if used.contains("object"), objects == nil {
                    throw fail("\(place).\(field)", "uses {object}, but the template names no \"objects\" list")
                }
            }
            let inSentence = Self.placeholders(in: sentence)
            guard inSentence.contains("agent"), inSentence.contains("patient") else {
                throw fail("\(place).sentence", "must contain both {agent} and {patient} (they are swapped to corrupt it)")
            }
            var fillers = groups.map(\.name)
            if let names = value["fillers"] {
                guard let array = names.array?.compactMap(\.string), array.count == names.array?.count, !array.isEmpty,
                      array.allSatisfy({ name in groups.contains { $0.name == name } }) else {
                    throw fail("\(place).fillers", "must be a non-empty array of filler group names (\(fillers.joined(separator: ", ")))")
                }
                fillers = array
            }
            templates.append(Template(voice: voice, sentence: sentence, questions: questions, verbs: verbs,
                                      objects: objects, fillers: fillers))
        }
        fillerGroups = groups
        self.verbLists = verbLists
        self.objectLists = objectLists
        self.templates = templates
    }

    /// Names inside braces, in order: "{agent} {past}" → ["agent", "past"].
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
