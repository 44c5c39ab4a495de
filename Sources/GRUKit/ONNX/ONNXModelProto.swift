#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ONNX's `OperatorSetIdProto`: an operator set the model uses, and its version.
public struct ONNXOperatorSetID: Sendable, Equatable {
    /// `""` (or `"ai.onnx"`) for the default operator set.
    public var domain: String
    /// The operator set's version, such as 17.
    public var version: Int64

    /// An operator set import; `""` is the default operator set.
    public init(domain: String = "", version: Int64) {
        self.domain = domain
        self.version = version
    }
}

/// ONNX's `ModelProto`: a graph with the operator sets it uses, read from and written to the
/// protobuf bytes of a `.onnx` file by GRUKit's own wire-format code.
///
/// Fields read: `ir_version` (1), `producer_name` (2), `producer_version` (3), `domain` (4),
/// `model_version` (5), `doc_string` (6), `graph` (7), `opset_import` (8), `functions` (25,
/// presence only). Unknown fields are skipped, as protobuf does.
///
/// ```swift
/// let model = try ONNXModelProto(contentsOf: URL(fileURLWithPath: "model.onnx"))
/// let runner = try ONNXGraphRunner(model: model)
/// ```
public struct ONNXModelProto: Sendable, Equatable {
    /// The IR version, such as 8.
    public var irVersion: Int64 = 0
    /// The operator sets imported.
    public var opsetImports: [ONNXOperatorSetID] = []
    /// The tool that wrote the model, such as `pytorch`.
    public var producerName = ""
    /// That tool's version.
    public var producerVersion = ""
    /// The model's domain (reverse-DNS name).
    public var domain = ""
    /// The model's own version.
    public var modelVersion: Int64 = 0
    /// A description.
    public var docString = ""
    /// The graph.
    public var graph = ONNXGraphProto()
    /// Whether the model defines functions (local operators), which GRUKit does not run.
    public var hasFunctions = false
    /// How errors name the model: its file's path, or the name given with the bytes.
    public var file = "<model>"

    /// An empty model (no graph, no operator sets).
    public init() {}

    /// Equal fields, whatever files the models came from.
    public static func == (a: ONNXModelProto, b: ONNXModelProto) -> Bool {
        a.irVersion == b.irVersion && a.opsetImports == b.opsetImports && a.producerName == b.producerName
            && a.producerVersion == b.producerVersion && a.domain == b.domain && a.modelVersion == b.modelVersion
            && a.docString == b.docString && a.graph == b.graph && a.hasFunctions == b.hasFunctions
    }

    /// Parses the bytes of a `.onnx` file.
    ///
    /// - Parameters:
    ///   - bytes: every byte of the file; any bytes at all are safe: bad ones throw.
    ///   - file: how errors name the bytes.
    /// - Throws: ``ONNXError/malformed(file:path:offset:problem:)`` for bytes that are not a
    ///   protobuf message, ``ONNXError/missingField(file:path:field:)`` without a graph.
    public init(bytes: [UInt8], file: String = "<model>") throws {
        self.file = file
        var reader = ProtobufReader(bytes: bytes, file: file, message: "ModelProto")
        var sawGraph = false
        while let field = try reader.nextField() {
            switch field.number {
            case 1: irVersion = try reader.int64(field, "ir_version")
            case 2: producerName = try reader.string(field, "producer_name")
            case 3: producerVersion = try reader.string(field, "producer_version")
            case 4: domain = try reader.string(field, "domain")
            case 5: modelVersion = try reader.int64(field, "model_version")
            case 6: docString = try reader.string(field, "doc_string")
            case 7:
                var g = try reader.message(field, "graph")
                graph = try ONNXGraphProto(from: &g)
                sawGraph = true
            case 8:
                var o = try reader.message(field, "opset_import[\(opsetImports.count)]")
                var opset = ONNXOperatorSetID(version: 0)
                while let f = try o.nextField() {
                    switch f.number {
                    case 1: opset.domain = try o.string(f, "domain")
                    case 2: opset.version = try o.int64(f, "version")
                    default: try o.skip(f)
                    }
                }
                opsetImports.append(opset)
            case 25: hasFunctions = true; try reader.skip(field)
            default: try reader.skip(field)
            }
        }
        guard sawGraph else { throw ONNXError.missingField(file: file, path: "ModelProto", field: "graph (field 7); this is not an ONNX model") }
    }

    /// Reads and parses a `.onnx` file; errors name its path.
    ///
    /// - Throws: ``ONNXError/cannotRead(file:reason:)`` and the errors of ``init(bytes:file:)``.
    public init(contentsOf url: URL) throws {
        try self.init(bytes: try readFile(url), file: url.path)
    }

    /// The protobuf bytes of the model.
    public func serialized() -> [UInt8] {
        var writer = ProtobufWriter()
        writer.int64(1, irVersion)
        if !producerName.isEmpty { writer.string(2, producerName) }
        if !producerVersion.isEmpty { writer.string(3, producerVersion) }
        if !domain.isEmpty { writer.string(4, domain) }
        if modelVersion != 0 { writer.int64(5, modelVersion) }
        if !docString.isEmpty { writer.string(6, docString) }
        writer.message(7) { graph.encode(to: &$0) }
        for opset in opsetImports {
            writer.message(8) { o in
                if !opset.domain.isEmpty { o.string(1, opset.domain) }
                o.int64(2, opset.version)
            }
        }
        return writer.bytes
    }

    /// Writes the model atomically (a temporary file renamed over `url`).
    ///
    /// - Throws: ``ONNXError/cannotWrite(file:reason:)``; any previous file is unchanged.
    public func write(to url: URL) throws {
        do {
            try AtomicFileWriter.replaceFile(at: url, with: [serialized()])
        } catch let SafeTensorsError.cannotWrite(file, reason) {
            throw ONNXError.cannotWrite(file: file, reason: reason)
        }
    }

    /// The version of the default operator set (`""` or `"ai.onnx"`) the model imports, if any.
    public var defaultOpsetVersion: Int64? {
        opsetImports.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }
}

/// Every byte of a file, or ``ONNXError/cannotRead(file:reason:)``: mapped, then copied once
/// (not read into a buffer and copied again).
func readFile(_ url: URL) throws -> [UInt8] {
    do {
        return [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
    } catch {
        throw ONNXError.cannotRead(file: url.path, reason: systemReason(for: error))
    }
}
