import Foundation

/// The package root: the nearest folder above this file that holds `Package.swift`.
let packageRoot: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        folder.deleteLastPathComponent()
    }
    return folder
}()

/// A fixture folder or file under `fixtures/`.
func fixture(_ path: String) -> URL { packageRoot.appendingPathComponent("fixtures/\(path)") }

let tokenizerFixtures = fixture("tokenizers")

/// A model in `../shared/models/`, beside the repository, when present (never copied into it).
func sharedModel(_ name: String) -> URL? {
    let folder = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/models/\(name)")
    return FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) ? folder : nil
}
