import Foundation
import Testing
@testable import Models

/// Series discovery on temporary folders: every naming style, nesting, manifests, and the errors.
@Suite struct CheckpointSeriesTests {
    /// A fresh temporary folder, removed when the test's `defer` runs.
    func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("series-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A checkpoint folder holding only config.json (discovery reads nothing else).
    func makeCheckpoint(_ path: String, layers: Int = 2, heads: Int = 4, modelType: String = "gpt2") throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let config = modelType == "gpt2"
            ? #"{"model_type": "gpt2", "n_embd": 32, "n_layer": \#(layers), "n_head": \#(heads), "vocab_size": 10}"#
            : #"{"model_type": "gpt_neox", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": \#(layers), "num_attention_heads": \#(heads), "vocab_size": 10}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: "\(path)/config.json"))
    }

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func seriesError(_ body: () throws -> Void) -> CheckpointSeriesError? {
        do { try body() } catch let error as CheckpointSeriesError { return error } catch { Issue.record("unexpected \(error)") }
        return nil
    }

    @Test func stepNames() {
        let recognised = ["step1000": 1000, "step0": 0, "checkpoint-250": 250, "global_step143000": 143000,
                          "revision=step64": 64, "step_7": 7, "step-8": 8, "checkpoint_9": 9, "step00100": 100]
        for (name, step) in recognised { #expect(StepName.step(in: name) == step, "\(name)") }
        for name in ["step", "steps100", "step1000a", "checkpoint-", "xstep1", "final", "step-", "step1e3", "step١٢", "revision=main",
                     "step99999999999999999999999"] {
            #expect(StepName.step(in: name) == nil, "\(name)")
        }
    }

    @Test func everyNamingStyleIsFoundAndOrderedByStep() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["step0", "checkpoint-1000", "global_step2000", "revision=step3000", "step_40000"] {
            try makeCheckpoint("\(root)/\(name)")
        }
        try makeCheckpoint("\(root)/pythia-70m/revision=step500")   // nested below a plain folder
        try makeCheckpoint("\(root)/step100/model")                 // the step on the parent folder
        try makeCheckpoint("\(root)/final")                         // a checkpoint without a step
        try FileManager.default.createDirectory(atPath: "\(root)/notes", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/.cache/step9", withIntermediateDirectories: true)
        try makeCheckpoint("\(root)/.cache/step9")
        try write("not a checkpoint", to: "\(root)/README")

        let series = try CheckpointSeries.load(root)
        #expect(series.steps == [0, 100, 500, 1000, 2000, 3000, 40000])
        #expect(series.checkpoints.map(\.name) == ["step0", "step100/model", "pythia-70m/revision=step500", "checkpoint-1000",
                                                   "global_step2000", "revision=step3000", "step_40000"])
        #expect(series.checkpoints[1].directory == "\(root)/step100/model")
        #expect(series.skipped == ["final: a checkpoint, but no folder name on its path carries a step (e.g. step1000)",
                                   "notes: no config.json inside"])
        #expect(series.shape == SeriesShape(try ModelConfig.load(path: "\(root)/step0/config.json")))
        #expect(series.shape.description == "gpt2 with 2 layers, 4 heads (4 key/value), d_model 32")
        // A trailing slash names the same folder.
        #expect(try CheckpointSeries.load(root + "/").steps == series.steps)
    }

    @Test func duplicateStepsNameBothFolders() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint("\(root)/step1000")
        try makeCheckpoint("\(root)/checkpoint-1000")
        let error = seriesError { _ = try CheckpointSeries.load(root) }
        #expect(error?.kind == .duplicateStep(1000, first: "checkpoint-1000", second: "step1000"))
        #expect(error?.description.contains("step 1000 is claimed by both checkpoint-1000 and step1000") == true)
    }

    @Test func foldersWithoutCheckpointsAreAClearError() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(seriesError { _ = try CheckpointSeries.load(root) }?.kind == .noCheckpoints(skipped: []))
        try FileManager.default.createDirectory(atPath: "\(root)/logs", withIntermediateDirectories: true)
        try makeCheckpoint("\(root)/best")
        let error = seriesError { _ = try CheckpointSeries.load(root) }
        #expect(error?.kind == .noCheckpoints(skipped: [
            "best: a checkpoint, but no folder name on its path carries a step (e.g. step1000)", "logs: no config.json inside",
        ]))
        #expect(error?.description.hasPrefix("\(root): no recognisable checkpoints; expected folders named step1000") == true)
        #expect(seriesError { _ = try CheckpointSeries.load("\(root)/missing") }?.kind == .cannotRead(reason: "no such file or folder"))
    }

    @Test func aSingleCheckpointIsNotASeries() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint(root)
        #expect(seriesError { _ = try CheckpointSeries.load(root) }?.kind == .singleCheckpoint)
    }

    @Test func mixedShapesAreRefusedNamingBothFolders() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint("\(root)/step0")
        try makeCheckpoint("\(root)/step1000", layers: 3)
        let error = seriesError { _ = try CheckpointSeries.load(root) }
        #expect(error?.kind == .mixedShapes(first: "step0", firstShape: "gpt2 with 2 layers, 4 heads (4 key/value), d_model 32",
                                            second: "step1000", secondShape: "gpt2 with 3 layers, 4 heads (4 key/value), d_model 32"))
        try FileManager.default.removeItem(atPath: "\(root)/step1000")
        try makeCheckpoint("\(root)/step1000", modelType: "gpt_neox")
        let architecture = seriesError { _ = try CheckpointSeries.load(root) }
        #expect(architecture?.description.contains("step0 is gpt2 with") == true)
        #expect(architecture?.description.contains("step1000 is gpt_neox with") == true)
    }

    @Test func aBrokenConfigIsReportedWithItsFile() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint("\(root)/step0")
        try FileManager.default.createDirectory(atPath: "\(root)/step5", withIntermediateDirectories: true)
        try write(#"{"model_type": "gpt2", "n_layer": 2}"#, to: "\(root)/step5/config.json")
        let error = seriesError { _ = try CheckpointSeries.load(root) }
        #expect(error?.description == "\(root)/step5/config.json: key 'n_embd' is missing")
    }

    @Test func textManifest() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint("\(root)/late run")
        try makeCheckpoint("\(root)/a/early")
        try makeCheckpoint("\(root)/elsewhere")
        try write("""
            # three revisions, listed out of order
            late run 2000

            a/early,10
            \(root)/elsewhere\t500
            """, to: "\(root)/series.txt")
        let series = try CheckpointSeries.load("\(root)/series.txt")
        #expect(series.steps == [10, 500, 2000])
        #expect(series.checkpoints.map(\.name) == ["a/early", "\(root)/elsewhere", "late run"])
        #expect(series.checkpoints.map(\.directory) == ["\(root)/a/early", "\(root)/elsewhere", "\(root)/late run"])
        #expect(series.skipped.isEmpty)
    }

    @Test func jsonManifest() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint("\(root)/x")
        try makeCheckpoint("\(root)/y")
        try write(#"[{"path": "y", "step": 7}, {"path": "x", "step": 3}]"#, to: "\(root)/list.json")
        #expect(try CheckpointSeries.load("\(root)/list.json").checkpoints.map(\.name) == ["x", "y"])
        try write(#"  {"checkpoints": [{"path": "x", "step": 0}]}"#, to: "\(root)/object.json")
        #expect(try CheckpointSeries.load("\(root)/object.json").steps == [0])
    }

    @Test func manifestErrorsNameTheLineOrEntry() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeCheckpoint("\(root)/x")
        try FileManager.default.createDirectory(atPath: "\(root)/empty", withIntermediateDirectories: true)
        func error(_ manifest: String) throws -> String? {
            try write(manifest, to: "\(root)/m")
            return seriesError { _ = try CheckpointSeries.load("\(root)/m") }?.description
        }
        #expect(try error("x 0\nx ten") == "\(root)/m: line 2: 'ten' is not a step (a non-negative integer)")
        #expect(try error("# only\nx") == "\(root)/m: line 2: expected 'path step' or 'path,step', got 'x'")
        #expect(try error("x -5") == "\(root)/m: line 1: '-5' is not a step (a non-negative integer)")
        #expect(try error(",5") == "\(root)/m: line 1: the path is empty")
        #expect(try error("x 0\nnowhere 5") == "\(root)/m: line 2: nowhere: no such folder")
        #expect(try error("empty 5") == "\(root)/m: line 1: empty: no config.json in the folder")
        #expect(try error("m 5") == "\(root)/m: line 1: m: not a folder (a checkpoint is a folder with config.json)")
        #expect(try error("x 1\nx,1") == "\(root)/m: step 1 is claimed by both x and x; remove one or list the series in a manifest")
        #expect(try error("# nothing\n") == "\(root)/m: no recognisable checkpoints; expected folders named step1000, checkpoint-1000, "
                + "global_step1000 or revision=step1000 holding config.json, or a manifest file (path step per line); skipped: the manifest lists none")
        #expect(try error(#"[{"path": "x"}]"#)?.contains("entry 0: key 'step' is missing") == true)
        #expect(try error(#"[{"path": "x", "step": "ten"}]"#)?.contains("entry 0: key 'step' has the wrong type (expected an integer)") == true)
        #expect(try error(#"[{"path": "x", "step": -1}]"#) == "\(root)/m: entry 0: step -1 is negative")
        #expect(try error(#"[{"path": "nowhere", "step": 1}]"#) == "\(root)/m: entry 0: nowhere: no such folder")
        #expect(try error(#"[{"path": "x", "step": 1},"#) == "\(root)/m: not valid JSON")
    }
}
