/// One operator the runner implements: the attributes it takes and how it computes its outputs.
struct ONNXOperator: Sendable {
    /// The attribute names the operator takes; any other is an error.
    let attributes: Set<String>
    /// Computes the outputs from the node's inputs and attributes.
    let run: @Sendable (ONNXNodeContext) throws -> [ONNXTensor]

    init(_ attributes: Set<String>, _ run: @escaping @Sendable (ONNXNodeContext) throws -> [ONNXTensor]) {
        self.attributes = attributes
        self.run = run
    }

    /// An operator without attributes.
    init(_ run: @escaping @Sendable (ONNXNodeContext) throws -> [ONNXTensor]) {
        self.init([], run)
    }

    /// Every operator, by `op_type`.
    static let all: [String: ONNXOperator] = shapeOperators.merging(mathOperators) { a, _ in a }
        .merging(["GRU": ONNXOperator(ONNXGRUNode.attributes, ONNXGRUNode.run)]) { a, _ in a }

    /// The supported `op_type`s, sorted, for messages.
    static let names = all.keys.sorted()
}

/// What an operator sees of its node: its inputs (evaluated), attributes, the operator set
/// version, and how to name the node in errors.
struct ONNXNodeContext {
    let node: ONNXNodeProto
    /// The inputs in order; `nil` for an optional input left out (`""`).
    let inputs: [ONNXTensor?]
    /// The default operator set's version.
    let opset: Int64
    /// How errors name the model file.
    let file: String
    /// How errors name the node, such as `node "gru" (GRU)` or `node 3 (Slice)`.
    let label: String

    /// The error for a problem with this node.
    func fail(_ problem: String) -> ONNXError {
        .invalidNode(file: file, node: label, problem: problem)
    }

    // MARK: Inputs

    /// Input `index`, which the operator requires; `name` is the operator's name for it.
    func input(_ index: Int, _ name: String) throws -> ONNXTensor {
        guard let value = optionalInput(index) else {
            throw fail("input \(index) (\(name)) is required but \(index < node.inputs.count ? "left out" : "absent")")
        }
        return value
    }

    /// Input `index`, or `nil` when it is left out or beyond the node's inputs.
    func optionalInput(_ index: Int) -> ONNXTensor? {
        index < inputs.count ? inputs[index] : nil
    }

    /// Input `index` as integers: an INT32 or INT64 tensor.
    func integers(_ index: Int, _ name: String) throws -> (shape: [Int], values: [Int64]) {
        let t = try input(index, name)
        switch t.elements {
        case let .int64(v): return (t.shape, v)
        case let .int32(v): return (t.shape, v.map(Int64.init))
        default: throw fail("input \(index) (\(name)) must be INT64 or INT32, got \(t.typeDescription)")
        }
    }

    /// Input `index` as a 1-D list of integers (a scalar counts as one).
    func integerList(_ index: Int, _ name: String) throws -> [Int64] {
        let (shape, values) = try integers(index, name)
        guard shape.count <= 1 else { throw fail("input \(index) (\(name)) must be 1-D, got shape \(shape)") }
        return values
    }

    // MARK: Attributes

    /// The attribute called `name`, checked to be of `kind`, or `nil` when the node has none.
    func attribute(_ name: String, _ kind: ONNXAttributeProto.Kind) throws -> ONNXAttributeProto? {
        guard let a = node.attributes.first(where: { $0.name == name }) else { return nil }
        guard a.kind == kind else {
            let found = a.kind.map(\.name) ?? (a.type == 0 ? "no value" : "type \(a.type)")
            throw ONNXError.unsupportedAttribute(file: file, node: label, attribute: name, problem: "must be \(kind.name), found \(found)")
        }
        return a
    }

    /// An INT or FLOAT attribute that declares its type but has no `i` or `f` field holds
    /// protobuf's default, 0, as ONNX Runtime reads it (writers of proto3 leave zeros out).
    func int(_ name: String) throws -> Int64? { try attribute(name, .int).map { $0.int ?? 0 } }
    func int(_ name: String, default value: Int64) throws -> Int64 { try int(name) ?? value }
    func float(_ name: String) throws -> Float? { try attribute(name, .float).map { $0.float ?? 0 } }
    func ints(_ name: String) throws -> [Int64]? { try attribute(name, .ints)?.ints }
    func floats(_ name: String) throws -> [Float]? { try attribute(name, .floats)?.floats }

    func string(_ name: String) throws -> String? {
        guard let bytes = try attribute(name, .string)?.string else { return nil }
        return try utf8(bytes, name)
    }

    func strings(_ name: String) throws -> [String]? {
        try attribute(name, .strings)?.strings.map { try utf8($0, name) }
    }

    func tensor(_ name: String) throws -> ONNXTensor? {
        guard let a = try attribute(name, .tensor) else { return nil }
        guard let proto = a.tensor else {
            throw ONNXError.unsupportedAttribute(file: file, node: label, attribute: name, problem: "is declared TENSOR but holds no tensor (no t field)")
        }
        return try proto.tensor(file: file)
    }

    private func utf8(_ bytes: [UInt8], _ name: String) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw ONNXError.unsupportedAttribute(file: file, node: label, attribute: name, problem: "is not UTF-8 text")
        }
        return s
    }

    /// An attribute value the operator cannot use.
    func badAttribute(_ name: String, _ problem: String) -> ONNXError {
        .unsupportedAttribute(file: file, node: label, attribute: name, problem: problem)
    }

    /// An axis attribute or input in −rank ..< rank, made non-negative.
    func axis(_ value: Int64, rank: Int, _ what: String) throws -> Int {
        guard value >= -Int64(rank), value < Int64(rank) else {
            throw fail("\(what) \(value) is outside −\(rank)..<\(rank) for rank \(rank)")
        }
        return Int(value < 0 ? value + Int64(rank) : value)
    }
}
