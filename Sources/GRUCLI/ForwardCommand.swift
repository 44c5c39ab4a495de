import ArgumentParser
import Foundation
import GRUKit

/// `gru forward`: run PyTorch GRU weights on a batch, as torch.nn.GRU would.
struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a torch.nn.GRU state_dict on a batch of sequences.",
        discussion: """
            WEIGHTS holds a torch.nn.GRU state_dict (safetensors.torch.save_file(gru.state_dict(), path)), \
            alone or inside a bigger module (its prefix, such as 'gru.', is detected or given with --prefix). \
            INPUT holds 'input' (T, N, I), or (N, T, I) with --batch-first; optionally 'h0' (L·D, N, H) \
            and 'lengths' int64 (N). OUTPUT receives 'output' and 'h_n', exactly what torch.nn.GRU returns; \
            with lengths, what pack_padded_sequence(enforce_sorted=False) → GRU → pad_packed_sequence returns \
            (T' = max(lengths) steps, zeros past each length).
            """)

    @Option(help: ArgumentHelp("The state_dict (safetensors).", valueName: "file")) var weights: String
    @Option(help: ArgumentHelp("The batch (safetensors): input, optional h0 and lengths.", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Where to write output and h_n (safetensors).", valueName: "file")) var output: String
    @Flag(help: "Input and output are (N, T, ·), as PyTorch's batch_first=True.") var batchFirst = false
    @Option(help: ArgumentHelp("The GRU's key prefix in WEIGHTS (detected when absent).", valueName: "prefix")) var prefix: String?

    func run() throws {
        let gru = try GRU<Float>(pytorchWeightsAt: URL(fileURLWithPath: weights), prefix: prefix, batchFirst: batchFirst)
        let batch = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: input))
        do {
            try run(gru, on: batch)
        } catch let error as GRUKitError {
            throw CommandError("\(input) with \(weights): \(error)")
        }
    }

    private func run(_ gru: GRU<Float>, on batch: SafeTensorsFile) throws {
        let x: Tensor<Float> = try batch.tensor("input")
        let h0: Tensor<Float>? = batch.info("h0") == nil ? nil : try batch.tensor("h0")
        let result: (output: Tensor<Float>, finalState: Tensor<Float>)
        if batch.info("lengths") != nil {
            let lengths = try batch.integers("lengths")
            guard lengths.shape.count == 1 else {
                throw GRUKitError.shapeMismatch(tensor: "\(input): lengths", expected: "(N)", actual: lengths.shape)
            }
            result = try gru.packedSequence(x, initialState: h0, lengths: lengths.values)
        } else {
            result = try gru(x, initialState: h0)
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.add("output", result.output, as: .f32)
        try writer.add("h_n", result.finalState, as: .f32)
        try writer.write(to: URL(fileURLWithPath: output))
    }
}
