import GRUKit
import Testing

/// A model of one node whose inputs are initializers `in0`, `in1`, … (`nil`: left out) and
/// whose outputs `out0`, `out1`, … are the graph's outputs.
func oneNodeModel(
    _ op: String, _ inputs: [ONNXTensor?], attributes: [ONNXAttributeProto] = [], outputs: Int = 1, opset: Int64 = 17
) -> ONNXModelProto {
    var model = ONNXModelProto()
    model.irVersion = 8
    model.opsetImports = [ONNXOperatorSetID(version: opset)]
    model.file = "test.onnx"
    let names = inputs.indices.map { inputs[$0] == nil ? "" : "in\($0)" }
    model.graph.nodes = [ONNXNodeProto(opType: op, inputs: names, outputs: (0..<outputs).map { "out\($0)" }, name: "n", attributes: attributes)]
    model.graph.initializers = inputs.enumerated().compactMap { i, t in t.map { ONNXTensorProto($0, name: "in\(i)") } }
    model.graph.outputs = (0..<outputs).map { ONNXValueInfoProto(name: "out\($0)", type: nil) }
    return model
}

/// Runs one node and returns its outputs in order.
func runNode(
    _ op: String, _ inputs: [ONNXTensor?], attributes: [ONNXAttributeProto] = [], outputs: Int = 1, opset: Int64 = 17
) throws -> [ONNXTensor] {
    let model = oneNodeModel(op, inputs, attributes: attributes, outputs: outputs, opset: opset)
    let result = try ONNXGraphRunner(model: model).run([:])
    return (0..<outputs).map { result["out\($0)"]! }
}

func floats(_ shape: [Int], _ values: [Float]) -> ONNXTensor {
    try! ONNXTensor(shape: shape, elements: .float(values))
}

func int64s(_ shape: [Int], _ values: [Int64]) -> ONNXTensor {
    try! ONNXTensor(shape: shape, elements: .int64(values))
}

func int64s(_ values: [Int64]) -> ONNXTensor {
    int64s([values.count], values)
}

/// Expects `body` to throw exactly `expected`, whose message mentions every string in `mentions`.
func expectONNXError(
    _ expected: ONNXError, mentions: [String] = [], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(expected), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as ONNXError {
        #expect(error == expected, sourceLocation: sourceLocation)
        for text in mentions {
            #expect(error.description.contains(text), "\(error) should mention \(text)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to throw an ``ONNXError`` whose message contains every string in `mentions`.
func expectONNXError(mentions: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error mentioning \(mentions), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as ONNXError {
        for text in mentions {
            #expect(error.description.contains(text), "\(error) should mention \(text)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected an ONNXError, got \(error)", sourceLocation: sourceLocation)
    }
}
