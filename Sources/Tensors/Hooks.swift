/// The named points of one forward run (TransformerLens names such as
/// `blocks.0.attn.hook_z`), where a caller can read a value, replace it, and —
/// with a tape attached — ask for the gradient of an output with respect to it.
///
/// A model calls `hooks("name", x)` at each point and continues with what it
/// returns. This is how patching works: an intervention returns the value to use
/// instead (a corrupted run's activation, a mix of both, a zeroed head), built with
/// tensor ops so that the tape differentiates through it.
public final class Hooks {
    public typealias Intervention = (_ value: Tensor) throws -> Tensor

    /// When set, the value leaving every hook point is recorded on this tape, so
    /// gradients reach it even when nothing upstream was watched.
    public let tape: Tape?
    private var interventions: [String: Intervention] = [:]
    private var captureRule: (String) -> Bool = { _ in false }
    /// Values captured so far, by hook name: what flowed on from each point.
    public private(set) var values: [String: Tensor] = [:]
    /// Every hook name visited, in order (so callers can discover a model's points).
    public private(set) var visited: [String] = []

    public init(tape: Tape? = nil) {
        self.tape = tape
    }

    /// Keep the values of the points whose names satisfy `rule`.
    public func capture(where rule: @escaping (String) -> Bool) {
        captureRule = rule
    }

    /// Keep the values of these points.
    public func capture(_ names: [String]) {
        let set = Set(names)
        captureRule = { set.contains($0) }
    }

    /// Replace the value at `name` by `intervention(value)` in this run.
    public func intervene(_ name: String, _ intervention: @escaping Intervention) {
        interventions[name] = intervention
    }

    /// True when this run reads or replaces `name`: a model computes costly
    /// optional points (per-head results) only when someone looks at them.
    public func observes(_ name: String) -> Bool {
        captureRule(name) || interventions[name] != nil
    }

    /// The captured value at `name`, or an error naming the point.
    public func value(_ name: String) throws(HookError) -> Tensor {
        guard let value = values[name] else { throw .notCaptured(name) }
        return value
    }

    /// Called by a model at each hook point; returns the value to continue with.
    public func callAsFunction(_ name: String, _ value: Tensor) throws -> Tensor {
        visited.append(name)
        var out = value
        if let tape { out = try tape.mark(out) }
        if let intervention = interventions[name] {
            out = try intervention(out)
            // A replacement that does not depend on the run (a stored activation)
            // starts its own leaf, so its gradient can still be asked for.
            if let tape, !out.isRecorded { out = tape.watch(out) }
        }
        if captureRule(name) { values[name] = out }
        return out
    }
}

public enum HookError: Error, Equatable, CustomStringConvertible {
    case notCaptured(String)

    public var description: String {
        switch self {
        case let .notCaptured(name): "hook point '\(name)' was not captured in this run"
        }
    }
}
