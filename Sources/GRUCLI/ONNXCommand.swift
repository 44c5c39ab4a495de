import ArgumentParser

/// `gru onnx`: run and check ONNX models.
struct ONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnx",
        abstract: "Run ONNX models of GRUs, and check GRUKit on ONNX backend tests.",
        discussion: "To write a GRUKit model as ONNX, see 'gru export'.",
        subcommands: [ONNXRunCommand.self, ONNXTestCommand.self])
}
