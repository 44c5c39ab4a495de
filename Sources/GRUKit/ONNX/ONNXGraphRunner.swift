/// Runs an ONNX graph made of `GRU` nodes and the operators exporters put around a GRU and
/// a linear head (see ``supportedOperators``), on GRUKit's engine.
///
/// Creating a runner checks the whole model before anything runs: the default operator set's
/// version (7 to 28), that every operator is supported (an error lists each unsupported one),
/// that every attribute is one its operator takes, that every initializer's data is usable,
/// and that every node reads only values defined before it. ``run(_:)`` then checks the
/// inputs against the graph's declared types and runs the nodes in order.
///
/// ```swift
/// let runner = try ONNXGraphRunner(model: ONNXModelProto(contentsOf: url))
/// let outputs = try runner.run(["x": ONNXTensor(x)])     // x: Tensor<Float>
/// let logits = outputs["logits"]!.floatingPoint(as: Float.self)!
/// ```
public struct ONNXGraphRunner: Sendable {
    /// The default operator set versions the runner accepts.
    public static let supportedOpsets: ClosedRange<Int64> = 7...28
    /// The operators the runner implements, sorted.
    public static var supportedOperators: [String] { ONNXOperator.names }

    /// The model.
    public let model: ONNXModelProto
    /// The graph inputs a caller must give: those without an initializer, in the graph's order.
    public let inputs: [ONNXValueInfoProto]
    /// The names of the graph's outputs, in order.
    public var outputNames: [String] { model.graph.outputs.map(\.name) }

    private let opset: Int64
    private let initializers: [String: ONNXTensor]

    /// Checks a model and prepares to run it.
    ///
    /// - Throws: ``ONNXError``: ``ONNXError/unsupportedOpset(file:domain:version:supported:)``,
    ///   ``ONNXError/unsupportedOperators(file:operators:supported:)``,
    ///   ``ONNXError/unsupportedAttribute(file:node:attribute:problem:)``,
    ///   ``ONNXError/invalidTensor(file:tensor:problem:)`` for an initializer,
    ///   ``ONNXError/undefinedValue(file:node:name:)``, ``ONNXError/missingOutput(file:output:)``.
    public init(model: ONNXModelProto) throws {
        let file = model.file, graph = model.graph
        let supported = "\(Self.supportedOpsets.lowerBound) to \(Self.supportedOpsets.upperBound)"
        guard let version = model.defaultOpsetVersion else {
            throw ONNXError.unsupportedOpset(file: file, domain: "", version: nil, supported: supported)
        }
        guard Self.supportedOpsets.contains(version) else {
            throw ONNXError.unsupportedOpset(file: file, domain: "", version: version, supported: supported)
        }
        var unsupported: [(op: String, nodes: [String])] = []
        for (i, node) in graph.nodes.enumerated() {
            let isDefault = node.domain.isEmpty || node.domain == "ai.onnx"
            guard !isDefault || ONNXOperator.all[node.opType] == nil else { continue }
            let op = isDefault ? node.opType : "\(node.domain)::\(node.opType)"
            let where_ = node.name.isEmpty ? "node \(i)" : "node \(node.name.debugDescription)"
            if let k = unsupported.firstIndex(where: { $0.op == op }) { unsupported[k].nodes.append(where_) } else { unsupported.append((op, [where_])) }
        }
        guard unsupported.isEmpty else {
            throw ONNXError.unsupportedOperators(
                file: file, operators: unsupported.map { "\($0.op) (\($0.nodes.joined(separator: ", ")))" }, supported: Self.supportedOperators)
        }
        guard !graph.hasSparseInitializers else {
            throw ONNXError.invalidField(file: file, path: "ModelProto.graph.sparse_initializer", expected: "dense initializers", found: "sparse initializers, which GRUKit does not read")
        }
        var values: [String: ONNXTensor] = [:]
        for proto in graph.initializers {
            guard values[proto.name] == nil else {
                throw ONNXError.invalidTensor(file: file, tensor: proto.name, problem: "two initializers have this name")
            }
            values[proto.name] = try proto.tensor(file: file)
        }
        // Every node reads values defined before it and defines each of its outputs once.
        var defined = Set(values.keys).union(graph.inputs.map(\.name))
        for (i, node) in graph.nodes.enumerated() {
            let label = Self.label(node, i)
            let op = ONNXOperator.all[node.opType]!
            for a in node.attributes {
                guard op.attributes.contains(a.name) else {
                    let takes = op.attributes.isEmpty ? "no attributes" : op.attributes.sorted().joined(separator: ", ")
                    throw ONNXError.unsupportedAttribute(file: file, node: label, attribute: a.name, problem: "is not an attribute of \(node.opType) (it takes \(takes))")
                }
                guard a.referenceName == nil else {
                    throw ONNXError.unsupportedAttribute(file: file, node: label, attribute: a.name, problem: "refers to a function attribute, outside a function")
                }
            }
            if let missing = node.inputs.first(where: { !$0.isEmpty && !defined.contains($0) }) {
                throw ONNXError.undefinedValue(file: file, node: label, name: missing)
            }
            for output in node.outputs where !output.isEmpty {
                guard !defined.contains(output) else {
                    throw ONNXError.invalidNode(file: file, node: label, problem: "output \(output.debugDescription) is already defined (ONNX graphs assign each name once)")
                }
                defined.insert(output)
            }
        }
        if let missing = graph.outputs.first(where: { !defined.contains($0.name) }) {
            throw ONNXError.missingOutput(file: file, output: missing.name)
        }
        self.model = model
        opset = version
        initializers = values
        inputs = graph.inputs.filter { values[$0.name] == nil }
    }

    /// How errors name node `index`: `node "name" (Op)`, or `node index (Op)` when it has no name.
    static func label(_ node: ONNXNodeProto, _ index: Int) -> String {
        (node.name.isEmpty ? "node \(index)" : "node \(node.name.debugDescription)") + " (\(node.opType))"
    }

    /// Runs the graph.
    ///
    /// - Parameter given: a tensor for every input in ``inputs``, by name, of its declared
    ///   element type and of its declared extents where the model fixes them. A graph input
    ///   that has an initializer may be given too, replacing it.
    /// - Returns: every graph output, by name.
    /// - Throws: ``ONNXError/missingInput(file:input:given:)``,
    ///   ``ONNXError/invalidInput(file:input:expected:found:)`` and
    ///   ``ONNXError/invalidNode(file:node:problem:)`` naming the node that failed and why.
    public func run(_ given: [String: ONNXTensor]) throws -> [String: ONNXTensor] {
        let file = model.file
        let declared = Dictionary(model.graph.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if let unknown = given.keys.sorted().first(where: { declared[$0] == nil }) {
            throw ONNXError.invalidInput(file: file, input: unknown, expected: "one of the graph's inputs (\(model.graph.inputs.map(\.name).joined(separator: ", ")))", found: "a tensor of that name")
        }
        for input in inputs where given[input.name] == nil {
            throw ONNXError.missingInput(file: file, input: input.name, given: given.keys.sorted())
        }
        var values = initializers
        for (name, tensor) in given {
            try Self.check(tensor, against: declared[name]!, file: file)
            values[name] = tensor
        }
        for (i, node) in model.graph.nodes.enumerated() {
            let label = Self.label(node, i)
            let context = ONNXNodeContext(
                node: node, inputs: node.inputs.map { $0.isEmpty ? nil : values[$0] }, opset: opset, file: file, label: label)
            let outputs = try ONNXOperator.all[node.opType]!.run(context)
            guard node.outputs.count <= outputs.count else {
                throw context.fail("has \(node.outputs.count) outputs; \(node.opType) produces \(outputs.count)")
            }
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = value }
        }
        return Dictionary(uniqueKeysWithValues: outputNames.map { ($0, values[$0]!) })
    }

    /// Throws unless `tensor` has the element type and fixed extents `info` declares.
    static func check(_ tensor: ONNXTensor, against info: ONNXValueInfoProto, file: String) throws {
        guard case let .tensor(elementType, shape)? = info.type else {
            throw ONNXError.invalidInput(file: file, input: info.name, expected: "a tensor input (the graph declares \(info.typeDescription))", found: tensor.typeDescription)
        }
        let mismatch = ONNXError.invalidInput(file: file, input: info.name, expected: info.typeDescription, found: tensor.typeDescription)
        guard elementType == tensor.dataType.rawValue else { throw mismatch }
        guard let shape else { return }
        guard shape.count == tensor.rank else { throw mismatch }
        for (d, extent) in zip(shape, tensor.shape) {
            if case let .value(v) = d, v != Int64(extent) { throw mismatch }
        }
    }
}
