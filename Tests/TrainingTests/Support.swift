import Foundation
import Tensors
import Training

/// The repository root (this file is Tests/TrainingTests/Support.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let templatesFile = repositoryRoot.appendingPathComponent("circuits/roles/templates.json")
let trainingFixtures = repositoryRoot.appendingPathComponent("fixtures/training")

/// The role language, read once.
let roleLanguage: RoleLanguage = try! RoleLanguage(templatesFile: templatesFile)

/// A fresh empty folder under the temporary directory.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("circuitry-training-\(name)-\(UUID().uuidString)")
    try? FileManager.default.removeItem(at: url)
    return url
}

/// A run small enough for a unit test: one block of two heads, width 16, six updates.
func tinySettings(arch: String = "gpt2") -> TrainingSettings {
    var s = TrainingSettings()
    s.arch = arch
    s.layers = 1
    s.heads = 2
    s.dModel = 16
    s.contextLength = 32
    s.steps = 6
    s.batchSize = 8
    s.warmupSteps = 2
    s.heldOutExamples = 32
    s.threads = ComputeThreads.current  // process-wide; other suites run in parallel, so tests never change it
    s.checkpointSteps = [0, 2, 4, 6]
    s.logEvery = 2
    return s
}

/// Every file under `folder` (relative path → bytes).
func contents(of folder: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
    for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
        out[String(url.path.dropFirst(folder.path.count))] = try Data(contentsOf: url)
    }
    return out
}
