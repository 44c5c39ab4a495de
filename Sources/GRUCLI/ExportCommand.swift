import ArgumentParser
import Foundation
import GRUKit

/// `gru export`: write a GRUKit model (or a PyTorch GRU + Linear state_dict) in another format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a GRUKit model file or checkpoint as an ONNX model.",
        discussion: """
            MODEL is a GRUKit model file or training checkpoint (gru.* and head.* tensors with grukit.model \
            metadata; other tensors are ignored), or a plain PyTorch state_dict of a module with a 'gru' and a \
            'head' (nn.Linear), whose convention, readout and layout come from the options. The ONNX graph \
            (opset 17, dynamic T and N) takes 'input' (T, N, I), or (N, T, I) when batch-first, and optionally \
            'h0' (L·D, N, H) and 'lengths' int64 (N); it returns 'logits' ((T, N, O), (N, T, O) or (N, O)) and \
            'h_n' (L·D, N, H). Reset after the matmul exports as linear_before_reset=1, before it as 0; \
            'z takes the new state' is exported with the z rows negated. The file is written atomically.
            """)

    @Option(help: ArgumentHelp("Where to write the ONNX model.", valueName: "file")) var onnx: String
    @Option(help: ArgumentHelp("The GRUKit model file, checkpoint or PyTorch state_dict (safetensors).", valueName: "file"))
    var model: String
    @Option(help: ArgumentHelp("For a plain state_dict: the GRU variant (default pytorch).", valueName: "name"))
    var convention: ConventionPreset?
    @Option(help: ArgumentHelp("For a plain state_dict: where the reset gate applies, overriding --convention.", valueName: "placement"))
    var reset: GRUConvention.ResetPlacement?
    @Option(help: ArgumentHelp("For a plain state_dict: which state z keeps, overriding --convention.", valueName: "polarity"))
    var update: GRUConvention.UpdatePolarity?
    @Option(help: ArgumentHelp("For a plain state_dict: which steps the head reads (default every-step).", valueName: "readout"))
    var readout: Readout?
    @Flag(help: "For a plain state_dict: the model takes (N, T, I) input.") var batchFirst = false
    @Flag(help: "Add the graph input 'h0' (L·D, N, H), the initial state (otherwise zeros).") var initialState = false
    @Flag(help: "Add the graph input 'lengths' int64 (N), the sequence lengths.") var lengths = false

    func run() throws {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: model))
        if let embedding = file.names.first(where: { $0.hasPrefix("embedding.") }) {
            throw CommandError("\(model): holds \(embedding); exporting a model with an embedding is not supported yet "
                + "(the ONNX graph would take embedded vectors, not token ids)")
        }
        var defaults = GRUModelMetadata(convention: convention?.convention ?? .pytorch, readout: readout ?? .everyStep, batchFirst: batchFirst)
        if let reset { defaults.convention.reset = reset }
        if let update { defaults.convention.update = update }
        if let stored = try GRUModelMetadata(of: file) {
            let conflicts = [
                (convention != nil || reset != nil || update != nil) && defaults.convention != stored.convention ? "convention \(stored.convention)" : nil,
                readout.map { $0 != stored.readout } == true ? "readout \(stored.readout.rawValue)" : nil,
                batchFirst && !stored.batchFirst ? "batch_first false" : nil,
            ].compactMap { $0 }
            if !conflicts.isEmpty {
                throw CommandError("\(model): the file's grukit.model metadata says \(conflicts.joined(separator: ", ")); "
                    + "--convention, --reset, --update, --readout and --batch-first apply only to plain state_dicts")
            }
        }
        let gruModel = try GRUModel<Float>(file: file, defaults: defaults)
        let options = ONNXExportOptions(initialState: initialState, lengths: lengths)
        try gruModel.exportONNX(to: URL(fileURLWithPath: onnx), options: options)
        let c = gruModel.configuration
        print("wrote \(onnx): GRU \(c.layerCount) layer\(c.layerCount == 1 ? "" : "s") \(c.direction.rawValue), input \(c.inputSize), "
            + "hidden \(c.hiddenSize), \(c.convention) (linear_before_reset=\(c.convention.reset == .afterMatmul ? 1 : 0)"
            + "\(c.convention.update == .zTakesNewState ? ", z rows negated" : "")); head \(gruModel.parameters.head.outputSize) outputs, "
            + "\(gruModel.readout.rawValue)\(c.batchFirst ? ", batch-first" : "")")
    }
}
