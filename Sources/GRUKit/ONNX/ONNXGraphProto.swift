/// ONNX's `NodeProto`: one operator application.
///
/// Fields read: `input` (1), `output` (2), `name` (3), `op_type` (4), `attribute` (5),
/// `domain` (7). An empty input name marks an optional input left out.
public struct ONNXNodeProto: Sendable, Equatable {
    /// The names of the values it reads; `""` for an optional input left out.
    public var inputs: [String] = []
    /// The names of the values it produces; `""` for an optional output not wanted.
    public var outputs: [String] = []
    /// The node's name (may be empty).
    public var name = ""
    /// The operator, such as `GRU`.
    public var opType = ""
    /// The operator set's domain; `""` (or `ai.onnx`) for the default one.
    public var domain = ""
    /// Its attributes.
    public var attributes: [ONNXAttributeProto] = []

    /// A node of the default operator set.
    public init(opType: String, inputs: [String], outputs: [String], name: String = "", attributes: [ONNXAttributeProto] = []) {
        self.opType = opType
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        self.attributes = attributes
    }

    init(from reader: inout ProtobufReader) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 1: inputs.append(try reader.string(field, "input[\(inputs.count)]"))
            case 2: outputs.append(try reader.string(field, "output[\(outputs.count)]"))
            case 3: name = try reader.string(field, "name")
            case 4: opType = try reader.string(field, "op_type")
            case 5:
                var a = try reader.message(field, "attribute[\(attributes.count)]")
                attributes.append(try ONNXAttributeProto(from: &a))
            case 7: domain = try reader.string(field, "domain")
            default: try reader.skip(field)
            }
        }
    }

    func encode(to writer: inout ProtobufWriter) {
        for input in inputs { writer.string(1, input) }
        for output in outputs { writer.string(2, output) }
        if !name.isEmpty { writer.string(3, name) }
        writer.string(4, opType)
        for attribute in attributes { writer.message(5) { attribute.encode(to: &$0) } }
        if !domain.isEmpty { writer.string(7, domain) }
    }
}

/// ONNX's `GraphProto`: nodes in topological order, initializers (constant tensors), and the
/// graph's inputs and outputs.
///
/// Fields read: `node` (1), `name` (2), `initializer` (5), `input` (11), `output` (12),
/// `sparse_initializer` (15, presence only).
public struct ONNXGraphProto: Sendable, Equatable {
    /// The graph's name.
    public var name = ""
    /// The nodes, each reading only values defined before it.
    public var nodes: [ONNXNodeProto] = []
    /// Constant tensors, by name.
    public var initializers: [ONNXTensorProto] = []
    /// The inputs (in IR < 4 they may include initializers, as defaults).
    public var inputs: [ONNXValueInfoProto] = []
    /// The outputs.
    public var outputs: [ONNXValueInfoProto] = []
    /// Whether the graph has sparse initializers, which GRUKit does not read.
    public var hasSparseInitializers = false

    /// An empty graph.
    public init(name: String = "") {
        self.name = name
    }

    init(from reader: inout ProtobufReader) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 1:
                var n = try reader.message(field, "node[\(nodes.count)]")
                nodes.append(try ONNXNodeProto(from: &n))
            case 2: name = try reader.string(field, "name")
            case 5:
                var t = try reader.message(field, "initializer[\(initializers.count)]")
                initializers.append(try ONNXTensorProto(from: &t))
            case 11:
                var v = try reader.message(field, "input[\(inputs.count)]")
                inputs.append(try ONNXValueInfoProto(from: &v))
            case 12:
                var v = try reader.message(field, "output[\(outputs.count)]")
                outputs.append(try ONNXValueInfoProto(from: &v))
            case 15: hasSparseInitializers = true; try reader.skip(field)
            default: try reader.skip(field)
            }
        }
    }

    func encode(to writer: inout ProtobufWriter) {
        for node in nodes { writer.message(1) { node.encode(to: &$0) } }
        writer.string(2, name)
        for initializer in initializers { writer.message(5) { initializer.encode(to: &$0) } }
        for input in inputs { writer.message(11) { input.encode(to: &$0) } }
        for output in outputs { writer.message(12) { output.encode(to: &$0) } }
    }
}
