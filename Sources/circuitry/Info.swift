import ArgumentParser
import Models

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Architecture, sizes and parameter count of a checkpoint.")

    @OptionGroup var options: ModelOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try options.load()
        let t = loaded.transformer, d = t.dims
        let fields: [(String, Any)] = [
            ("architecture", t.architecture.rawValue), ("layers", d.layers), ("heads", d.heads),
            ("kv_heads", d.kvHeads), ("head_dim", d.headDim), ("d_model", d.dModel), ("d_mlp", d.dMLP),
            ("vocab", d.vocab), ("max_positions", d.maxPositions), ("parameters", t.parameterCount),
            ("tied_embeddings", t.unembedding == nil), ("parallel_residual", t.parallelResidual),
            ("rotary_dims", t.rotary?.dims ?? 0),
        ]
        if json {
            try printJSON(Dictionary(uniqueKeysWithValues: fields))
        } else {
            for (key, value) in fields { print("\(key.padding(toLength: 18, withPad: " ", startingAt: 0)) \(value)") }
        }
    }
}
