import ArgumentParser
import Foundation
import GRUKit

/// `gru onnx run`: run an ONNX graph on inputs from a safetensors file.
struct ONNXRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an ONNX model on inputs from a safetensors file.",
        discussion: """
            INPUT holds the graph's inputs, each under its name in the graph, converted to the type the graph \
            declares (FLOAT, DOUBLE, INT32 or INT64). OUTPUT receives every graph output under its name: FLOAT \
            as F32, DOUBLE as F64, integers as I64. The runner takes graphs of GRU nodes and the operators \
            exporters put around a GRU and a linear head (\(ONNXGraphRunner.supportedOperators.joined(separator: ", "))); \
            any other operator is an error that lists it.
            """)

    @Argument(help: ArgumentHelp("The ONNX model.", valueName: "model.onnx")) var model: String
    @Option(help: ArgumentHelp("The graph's inputs (safetensors), by name.", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Where to write the graph's outputs (safetensors).", valueName: "file")) var output: String

    func run() throws {
        let runner = try ONNXGraphRunner(model: ONNXModelProto(contentsOf: URL(fileURLWithPath: model)))
        let inputs = try runner.inputs(from: SafeTensorsFile(contentsOf: URL(fileURLWithPath: input)))
        var writer = SafeTensorsWriter()
        try ONNXGraphRunner.add(runner.run(inputs), to: &writer)
        try writer.write(to: URL(fileURLWithPath: output))
    }
}
