import Foundation
import GRUKit

extension FuzzTargets {
    /// The ONNX reader as `gru onnx run` uses it: the model, the runner's checks of the whole
    /// graph, then — when the graph is small — a run on tiny inputs of the declared types and
    /// shapes (unknown extents as 2). The same bytes are also read as a lone `TensorProto`, as
    /// `gru onnx test` reads a backend test's `input_0.pb`.
    public static func onnx(_ data: Data) {
        let bytes = [UInt8](data)
        if let proto = try? ONNXTensorProto(bytes: bytes, file: "fuzz.pb") { _ = try? proto.tensor(file: "fuzz.pb") }
        guard let model = try? ONNXModelProto(bytes: bytes, file: "fuzz.onnx") else { return }
        _ = model.serialized()
        guard let runner = try? ONNXGraphRunner(model: model), model.graph.nodes.count <= 64 else { return }
        var inputs: [String: ONNXTensor] = [:]
        for info in runner.inputs {
            guard let tensor = tinyInput(info) else { return }
            inputs[info.name] = tensor
        }
        _ = try? runner.run(inputs)
    }

    /// A small tensor of `info`'s element type and shape (extents above 8 refused), or `nil`.
    static func tinyInput(_ info: ONNXValueInfoProto) -> ONNXTensor? {
        guard case let .tensor(code, dims)? = info.type, let type = ONNXDataType(rawValue: code) else { return nil }
        var shape: [Int] = []
        for d in dims ?? [.unknown, .unknown, .unknown] {
            switch d {
            case let .value(v): guard (0...8).contains(v) else { return nil }; shape.append(Int(v))
            case .parameter, .unknown: shape.append(2)
            }
        }
        guard shape.count <= 6 else { return nil }
        let n = shape.reduce(1, *)
        let elements: ONNXTensor.Elements = switch type {
        case .float: .float((0..<n).map { Float($0 % 5) * 0.25 - 0.5 })
        case .double: .double((0..<n).map { Double($0 % 5) * 0.25 - 0.5 })
        case .int32: .int32((0..<n).map { Int32($0 % 3) })
        case .int64: .int64((0..<n).map { Int64($0 % 3) })
        }
        return try? ONNXTensor(shape: shape, elements: elements, name: info.name)
    }
}
