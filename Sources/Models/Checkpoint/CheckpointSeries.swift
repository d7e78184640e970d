import Foundation

/// One checkpoint of a training series.
public struct SeriesCheckpoint: Sendable, Equatable {
    public var step: Int
    /// The checkpoint folder (the series folder joined with `name`, or a manifest path resolved
    /// against the manifest's folder).
    public var directory: String
    /// How the series names it: the path below the series folder, or the manifest's path as written.
    public var name: String

    public init(step: Int, directory: String, name: String) {
        self.step = step
        self.directory = directory
        self.name = name
    }
}

/// The shape checkpoints of one series share: what makes their circuits comparable node for node.
public struct SeriesShape: Sendable, Equatable, CustomStringConvertible {
    public var modelType: String
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var dModel: Int

    public init(_ config: ModelConfig) {
        modelType = config.modelType
        layers = config.nLayers
        heads = config.nHeads
        kvHeads = config.nKVHeads
        dModel = config.dModel
    }

    public var description: String {
        "\(modelType) with \(layers) layers, \(heads) heads (\(kvHeads) key/value), d_model \(dModel)"
    }
}

/// The checkpoints of one model over training, ordered by step — from a folder of checkpoint
/// folders whose names carry the step, or from a manifest (`CheckpointManifest`).
///
/// A folder is a checkpoint when it holds `config.json`; its step is read from the nearest
/// folder name on its path below the series folder that carries one (`StepName`), so both
/// `series/step1000/` and `series/pythia-70m/revision=step1000/` are found (at most three
/// levels down). Folders that hold no checkpoint, and checkpoints whose path carries no step,
/// are listed in `skipped` rather than guessed at; hidden folders are ignored. Two checkpoints
/// with the same step are an error (which one is meant cannot be guessed), and so are
/// checkpoints of different shapes.
public struct CheckpointSeries: Sendable, Equatable {
    /// Ascending by step.
    public var checkpoints: [SeriesCheckpoint]
    /// What was seen and not used, one sentence each (empty for a manifest).
    public var skipped: [String]
    /// The shape every checkpoint has.
    public var shape: SeriesShape

    /// How deep below the series folder checkpoints are looked for.
    public static let searchDepth = 3

    /// A folder of checkpoint folders, or a manifest file.
    public static func load(_ path: String) throws(CheckpointSeriesError) -> CheckpointSeries {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CheckpointSeriesError(path: path, .cannotRead(reason: "no such file or folder"))
        }
        return isFolder.boolValue ? try discover(folder: path) : try CheckpointManifest.read(path: path)
    }

    /// Finds the checkpoints below `folder`, orders them by step and checks their shapes.
    public static func discover(folder: String) throws(CheckpointSeriesError) -> CheckpointSeries {
        let root = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        if isCheckpoint(root) { throw CheckpointSeriesError(path: root, .singleCheckpoint) }
        var found: [SeriesCheckpoint] = []
        var skipped: [String] = []
        for child in try subfolders(of: root, reportingAs: root) {
            let (foundBefore, skippedBefore) = (found.count, skipped.count)
            visit(root: root, relative: child, inheritedStep: nil, depth: 1, found: &found, skipped: &skipped)
            if found.count == foundBefore && skipped.count == skippedBefore {
                skipped.append("\(child): no config.json inside")
            }
        }
        guard !found.isEmpty else { throw CheckpointSeriesError(path: root, .noCheckpoints(skipped: skipped)) }
        return try CheckpointSeries(checkpoints: found, skipped: skipped, path: root)
    }

    /// Orders `checkpoints` by step, refusing duplicate steps and mixed shapes; `path` (the
    /// series folder or manifest) starts every message.
    public init(checkpoints: [SeriesCheckpoint], skipped: [String] = [], path: String) throws(CheckpointSeriesError) {
        let ordered = checkpoints.sorted { ($0.step, $0.name) < ($1.step, $1.name) }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where previous.step == next.step {
            throw CheckpointSeriesError(path: path, .duplicateStep(next.step, first: previous.name, second: next.name))
        }
        guard let first = ordered.first else { throw CheckpointSeriesError(path: path, .noCheckpoints(skipped: skipped)) }
        let firstShape = try Self.shape(of: first)
        for checkpoint in ordered.dropFirst() {
            let shape = try Self.shape(of: checkpoint)
            if shape != firstShape {
                throw CheckpointSeriesError(path: path, .mixedShapes(first: first.name, firstShape: firstShape.description,
                                                                     second: checkpoint.name, secondShape: shape.description))
            }
        }
        self.checkpoints = ordered
        self.skipped = skipped
        shape = firstShape
    }

    public var steps: [Int] { checkpoints.map(\.step) }

    // MARK: - Walking the folder

    private static func visit(root: String, relative: String, inheritedStep: Int?, depth: Int,
                              found: inout [SeriesCheckpoint], skipped: inout [String]) {
        let name = relative.split(separator: "/").last.map(String.init) ?? relative
        let step = StepName.step(in: name) ?? inheritedStep
        let path = "\(root)/\(relative)"
        if isCheckpoint(path) {
            if let step {
                found.append(SeriesCheckpoint(step: step, directory: path, name: relative))
            } else {
                skipped.append("\(relative): a checkpoint, but no folder name on its path carries a step (e.g. step1000)")
            }
            return
        }
        guard depth < searchDepth, let children = try? subfolders(of: path, reportingAs: root) else { return }
        for child in children {
            visit(root: root, relative: "\(relative)/\(child)", inheritedStep: step, depth: depth + 1,
                  found: &found, skipped: &skipped)
        }
    }

    private static func isCheckpoint(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(folder)/\(Checkpoint.configFileName)")
    }

    /// Names of the visible subfolders, sorted.
    private static func subfolders(of folder: String, reportingAs path: String) throws(CheckpointSeriesError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw CheckpointSeriesError(path: path, .cannotRead(reason: error.localizedDescription))
        }
        return names.filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: "\(folder)/\(name)", isDirectory: &isFolder)
                && isFolder.boolValue
        }.sorted()
    }

    private static func shape(of checkpoint: SeriesCheckpoint) throws(CheckpointSeriesError) -> SeriesShape {
        do throws(CheckpointError) {
            return SeriesShape(try ModelConfig.load(path: "\(checkpoint.directory)/\(Checkpoint.configFileName)"))
        } catch {
            throw CheckpointSeriesError(path: checkpoint.directory, .config(error))
        }
    }
}
