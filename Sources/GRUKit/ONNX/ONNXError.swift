/// Everything that can go wrong reading, running or writing an ONNX model.
///
/// Each case names the file and the place — a protobuf field path such as
/// `ModelProto.graph.node[2].attribute[0]`, a node (its name, or its index and operator), an
/// initializer or a graph input — and what was expected, so its ``description`` can be shown
/// to a user as it is. Nothing in the reader traps or allocates more than the file holds.
public enum ONNXError: Error, Equatable, Sendable {
    /// The file could not be opened or read; `reason` is the system's.
    case cannotRead(file: String, reason: String)
    /// The file could not be written; any previous file at that path is unchanged.
    case cannotWrite(file: String, reason: String)
    /// The bytes are not a valid protobuf message: `problem` at byte `offset`, inside `path`.
    case malformed(file: String, path: String, offset: Int, problem: ProtobufProblem)
    /// A required field is absent, such as `ModelProto.graph`.
    case missingField(file: String, path: String, field: String)
    /// A field holds a value the model cannot have (a negative dimension, an unknown enum, …).
    case invalidField(file: String, path: String, expected: String, found: String)
    /// A tensor's data cannot be used: an unsupported data type, data that disagrees with its
    /// dimensions, or data stored outside the file.
    case invalidTensor(file: String, tensor: String, problem: String)
    /// The model imports no supported version of the default operator set.
    case unsupportedOpset(file: String, domain: String, version: Int64?, supported: String)
    /// Nodes use operators the runner does not implement: one entry per operator, such as
    /// `"LSTM (node lstm_1)"`.
    case unsupportedOperators(file: String, operators: [String], supported: [String])
    /// A node has an attribute its operator does not take, or a value the runner does not support.
    case unsupportedAttribute(file: String, node: String, attribute: String, problem: String)
    /// A node is given something it cannot use: a missing input or attribute, or a value of
    /// the wrong type, shape or content.
    case invalidNode(file: String, node: String, problem: String)
    /// A node reads a value that no graph input, initializer or earlier node produces.
    case undefinedValue(file: String, node: String, name: String)
    /// A graph input was not given; `given` lists what was.
    case missingInput(file: String, input: String, given: [String])
    /// A graph input was given with the wrong element type or shape.
    case invalidInput(file: String, input: String, expected: String, found: String)
    /// The graph declares an output that nothing produces.
    case missingOutput(file: String, output: String)
}

/// What is wrong with protobuf bytes, in ``ONNXError/malformed(file:path:offset:problem:)``.
public enum ProtobufProblem: Equatable, Sendable {
    /// The bytes end inside a value (`inside` says which: "a varint", "a 32-bit value", …).
    case truncated(inside: String)
    /// A varint has more than 10 bytes.
    case varintTooLong
    /// A 10-byte varint holds more than 64 bits.
    case varintOverflow
    /// A length runs past the end of the enclosing message.
    case lengthPastEnd(length: UInt64, remaining: Int)
    /// A tag's field number is 0 or above 2^29 − 1.
    case invalidFieldNumber(UInt64)
    /// A tag's wire type is 6 or 7.
    case invalidWireType(Int)
    /// A known field arrived with the wrong wire type.
    case wrongWireType(field: String, expected: String, found: String)
    /// An end-group tag without its start-group.
    case unmatchedEndGroup(Int)
    /// Sub-messages or groups nested deeper than ``ProtobufReader/maximumDepth``.
    case tooDeep(limit: Int)
    /// A string field is not UTF-8.
    case invalidUTF8(field: String)
    /// A packed run of fixed-size numbers whose length is not a multiple of their size.
    case packedLength(field: String, length: Int, elementSize: Int)
    /// A number outside its field's range.
    case outOfRange(field: String, value: String, expected: String)
}

extension ProtobufProblem: CustomStringConvertible {
    /// The problem in words.
    public var description: String {
        switch self {
        case let .truncated(inside): "the data ends inside \(inside); the file is truncated or not an ONNX model"
        case .varintTooLong: "a varint longer than 10 bytes"
        case .varintOverflow: "a varint whose value does not fit in 64 bits"
        case let .lengthPastEnd(length, remaining):
            "a length of \(length) bytes runs past the end of the enclosing message (\(remaining) bytes left)"
        case let .invalidFieldNumber(number): "field number \(number) (field numbers are 1 to 536870911)"
        case let .invalidWireType(type): "wire type \(type) (wire types are 0 to 5)"
        case let .wrongWireType(field, expected, found): "\(field) has wire type \(found), expected \(expected)"
        case let .unmatchedEndGroup(number): "an end-group tag for field \(number) without its start-group"
        case let .tooDeep(limit): "messages nested more than \(limit) deep"
        case let .invalidUTF8(field): "\(field) is not valid UTF-8"
        case let .packedLength(field, length, size): "packed \(field) has \(length) bytes, not a multiple of \(size)"
        case let .outOfRange(field, value, expected): "\(field) is \(value), expected \(expected)"
        }
    }
}

extension ONNXError: CustomStringConvertible {
    /// A message for a user: the file, the place and the problem.
    public var description: String {
        switch self {
        case let .cannotRead(file, reason):
            return FileMessage.cannotRead(file, reason)
        case let .cannotWrite(file, reason):
            return FileMessage.cannotWrite(file, reason)
        case let .malformed(file, path, offset, problem):
            return "\(file): malformed protobuf in \(path) at byte \(offset): \(problem)"
        case let .missingField(file, path, field):
            return "\(file): \(path) has no \(field)"
        case let .invalidField(file, path, expected, found):
            return "\(file): \(path): expected \(expected), found \(found)"
        case let .invalidTensor(file, tensor, problem):
            return "\(file): tensor \(tensor.debugDescription): \(problem)"
        case let .unsupportedOpset(file, domain, version, supported):
            let name = domain.isEmpty ? "the default (ai.onnx) operator set" : "operator set \(domain.debugDescription)"
            return "\(file): " + (version.map { "\(name) version \($0) is not supported" } ?? "the model does not import \(name)")
                + "; supported: \(supported)"
        case let .unsupportedOperators(file, operators, supported):
            return "\(file): unsupported operator\(operators.count == 1 ? "" : "s") \(operators.joined(separator: ", ")); "
                + "the runner supports \(supported.joined(separator: ", "))"
        case let .unsupportedAttribute(file, node, attribute, problem):
            return "\(file): \(node): attribute \(attribute.debugDescription) \(problem)"
        case let .invalidNode(file, node, problem):
            return "\(file): \(node): \(problem)"
        case let .undefinedValue(file, node, name):
            return "\(file): \(node): input \(name.debugDescription) is not a graph input, an initializer or the output "
                + "of an earlier node"
        case let .missingInput(file, input, given):
            return "\(file): graph input \(input.debugDescription) was not given"
                + (given.isEmpty ? "" : "; given: \(given.map(\.debugDescription).joined(separator: ", "))")
        case let .invalidInput(file, input, expected, found):
            return "\(file): graph input \(input.debugDescription): expected \(expected), got \(found)"
        case let .missingOutput(file, output):
            return "\(file): graph output \(output.debugDescription) is produced by no node, input or initializer"
        }
    }
}
