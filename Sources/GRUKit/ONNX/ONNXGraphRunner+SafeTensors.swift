/// Graph inputs from, and outputs to, safetensors files: what `gru onnx run` reads and writes.
extension ONNXGraphRunner {
    /// Every tensor of `file` as the graph input of the same name, converted to the input's
    /// declared element type: FLOAT and DOUBLE inputs read any floating-point (or exactly
    /// representable integer) dtype, INT32 and INT64 inputs any integer dtype.
    ///
    /// - Throws: ``ONNXError/invalidInput(file:input:expected:found:)`` for a tensor that is
    ///   not a graph input; ``SafeTensorsError`` for a tensor that cannot be converted.
    public func inputs(from file: SafeTensorsFile) throws -> [String: ONNXTensor] {
        var given: [String: ONNXTensor] = [:]
        for name in file.names {
            guard let info = model.graph.inputs.first(where: { $0.name == name }) else {
                throw ONNXError.invalidInput(
                    file: file.file, input: name,
                    expected: "a tensor named after a graph input (\(model.graph.inputs.map(\.name).joined(separator: ", ")))",
                    found: "a tensor that is not one")
            }
            guard case let .tensor(code, _)? = info.type, let type = ONNXDataType(rawValue: code) else {
                throw ONNXError.invalidInput(file: file.file, input: name, expected: "a graph input GRUKit can feed (\(ONNXDataType.supportedNames))",
                                             found: "an input declared \(info.typeDescription)")
            }
            switch type {
            case .float: given[name] = ONNXTensor(try file.tensor(name, as: Float.self))
            case .double: given[name] = ONNXTensor(try file.tensor(name, as: Double.self))
            case .int64:
                let (shape, values) = try file.integers(name)
                given[name] = ONNXTensor(unchecked: shape, .int64(values.map(Int64.init)))
            case .int32:
                let (shape, values) = try file.integers(name)
                let narrow = try values.map { v in
                    guard let n = Int32(exactly: v) else {
                        throw ONNXError.invalidInput(file: file.file, input: name, expected: "INT32 values", found: "\(v)")
                    }
                    return n
                }
                given[name] = ONNXTensor(unchecked: shape, .int32(narrow))
            }
        }
        return given
    }

    /// Adds `outputs` to a writer under their names: FLOAT as F32, DOUBLE as F64, INT32 and INT64 as I64.
    public static func add(_ outputs: [String: ONNXTensor], to writer: inout SafeTensorsWriter) throws {
        for (name, tensor) in outputs.sorted(by: { $0.key < $1.key }) {
            switch tensor.elements {
            case let .float(v): try writer.add(name, Tensor<Float>(unchecked: tensor.shape, scalars: v), as: .f32)
            case let .double(v): try writer.add(name, Tensor<Double>(unchecked: tensor.shape, scalars: v), as: .f64)
            case .int32, .int64: try writer.addIntegers(name, shape: tensor.shape, values: tensor.integers!)
            }
        }
    }
}
