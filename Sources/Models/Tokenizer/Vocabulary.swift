import Foundation

/// A string key compared scalar-for-scalar. Swift's `String` equality is
/// canonical equivalence ("é" == "e\u{301}"), but vocabularies keep such
/// spellings apart, so lookups must not merge them.
struct ExactString: Hashable, Sendable {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    init<S: Sequence>(scalars: S) where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        value = String(view)
    }

    static func == (a: ExactString, b: ExactString) -> Bool {
        a.value.utf8.elementsEqual(b.value.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Token ↔ id maps of a model's vocabulary.
struct Vocabulary: Sendable {
    let tokenToId: [ExactString: Int]
    let idToToken: [Int: String]

    /// Reads a `{"token": id, …}` object.
    init(_ node: JSONNode) throws(TokenizerError) {
        var forward: [ExactString: Int] = [:]
        var backward: [Int: String] = [:]
        let members = try node.object()
        forward.reserveCapacity(members.count)
        backward.reserveCapacity(members.count)
        for (token, child) in members {
            let id = try child.int()
            forward[ExactString(token)] = id
            backward[id] = token
        }
        tokenToId = forward
        idToToken = backward
    }

    subscript(token: String) -> Int? { tokenToId[ExactString(token)] }
    var count: Int { tokenToId.count }
}

/// A thread-safe cache from words to their ids (the BPE word cache).
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[Unicode.Scalar]: [Int]] = [:]
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ key: [Unicode.Scalar]) -> [Int]? {
        lock.lock()
        defer { lock.unlock() }
        return storage[key]
    }

    func set(_ key: [Unicode.Scalar], _ value: [Int]) {
        lock.lock()
        defer { lock.unlock() }
        if storage.count >= capacity { storage.removeAll(keepingCapacity: true) }
        storage[key] = value
    }
}
