import Foundation
import GRUKit
import Testing

/// GRUKit's ONNX reader against what the `onnx` package reads from the same files
/// (scripts/make_onnx_model_fixtures.py writes both): every node, attribute, initializer
/// value, input and output of ONNX's node tests, ONNX Runtime cases and PyTorch exports.
@Suite struct ONNXModelReadingTests {
    struct Summary: Decodable {
        struct Opset: Decodable { let domain: String; let version: Int64 }
        struct Node: Decodable {
            let op_type: String, name: String, inputs: [String], outputs: [String]
            let attributes: [String: Attribute]
        }
        struct Attribute: Decodable {
            struct TensorValue: Decodable { let dims: [Int64]; let data_type: Int32; let values: [Double] }
            let int: Int64?, float: Double?, string: String?, ints: [Int64]?, floats: [Double]?, strings: [String]?
            let tensor: TensorValue?
        }
        struct Initializer: Decodable { let name: String; let dims: [Int64]; let data_type: Int32; let values: [Double] }
        struct ValueInfo: Decodable {
            let name: String, elem_type: Int32
            let shape: [Dim]
        }
        enum Dim: Decodable, Equatable {
            case value(Int64), parameter(String)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let v = try? c.decode(Int64.self) { self = .value(v) } else { self = .parameter(try c.decode(String.self)) }
            }
        }
        let ir_version: Int64, producer_name: String, graph_name: String
        let opset_import: [Opset]
        let nodes: [Node], initializers: [Initializer], inputs: [ValueInfo], outputs: [ValueInfo]
    }

    static let folder = fixturesFolder.appendingPathComponent("onnx")

    /// The values of a tensor as Doubles, whatever its type.
    func values(_ t: ONNXTensor) -> [Double] {
        switch t.elements {
        case let .float(v): v.map(Double.init)
        case let .double(v): v
        case let .int32(v): v.map(Double.init)
        case let .int64(v): v.map(Double.init)
        }
    }

    @Test func everyFixtureModelReadsAsTheONNXPackageReadsIt() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("reading/summary.json"))
        let summaries = try JSONDecoder().decode([String: Summary].self, from: data)
        #expect(summaries.count == 21)
        for (path, expected) in summaries.sorted(by: { $0.key < $1.key }) {
            let model = try ONNXModelProto(contentsOf: Self.folder.appendingPathComponent(path).appendingPathComponent("model.onnx"))
            #expect(model.irVersion == expected.ir_version, "\(path)")
            #expect(model.producerName == expected.producer_name, "\(path)")
            #expect(model.opsetImports == expected.opset_import.map { ONNXOperatorSetID(domain: $0.domain, version: $0.version) }, "\(path)")
            let graph = model.graph
            #expect(graph.name == expected.graph_name, "\(path)")
            #expect(graph.nodes.count == expected.nodes.count, "\(path)")
            for (node, e) in zip(graph.nodes, expected.nodes) {
                #expect(node.opType == e.op_type && node.name == e.name && node.inputs == e.inputs && node.outputs == e.outputs, "\(path) \(e.name)")
                #expect(Set(node.attributes.map(\.name)) == Set(e.attributes.keys), "\(path) \(e.name)")
                for a in node.attributes {
                    guard let ea = e.attributes[a.name] else { continue }
                    let what = "\(path) \(e.name).\(a.name)"
                    if let v = ea.int { #expect(a.kind == .int && a.int == v, "\(what)") }
                    if let v = ea.float { #expect(a.kind == .float && a.float == Float(v), "\(what)") }
                    if let v = ea.string { #expect(a.kind == .string && a.string == Array(v.utf8), "\(what)") }
                    if let v = ea.ints { #expect(a.kind == .ints && a.ints == v, "\(what)") }
                    if let v = ea.floats { #expect(a.kind == .floats && a.floats == v.map(Float.init), "\(what)") }
                    if let v = ea.strings { #expect(a.kind == .strings && a.strings == v.map { Array($0.utf8) }, "\(what)") }
                    if let v = ea.tensor {
                        let t = try #require(try a.tensor?.tensor(file: path), "\(what)")
                        #expect(t.shape.map(Int64.init) == v.dims && t.dataType.rawValue == v.data_type && values(t) == v.values, "\(what)")
                    }
                }
            }
            #expect(graph.initializers.map(\.name) == expected.initializers.map(\.name), "\(path)")
            for (proto, e) in zip(graph.initializers, expected.initializers) {
                let t = try proto.tensor(file: path)
                #expect(proto.dims == e.dims && proto.dataType == e.data_type, "\(path) \(e.name)")
                #expect(values(t) == e.values, "\(path) \(e.name)")
            }
            for (ours, theirs) in [(graph.inputs, expected.inputs), (graph.outputs, expected.outputs)] {
                #expect(ours.map(\.name) == theirs.map(\.name), "\(path)")
                for (v, e) in zip(ours, theirs) {
                    guard case let .tensor(elementType, shape)? = v.type else { Issue.record("\(path) \(e.name): no tensor type"); continue }
                    #expect(elementType == e.elem_type, "\(path) \(e.name)")
                    let dims = (shape ?? []).map { d -> Summary.Dim in
                        switch d {
                        case let .value(v): .value(v)
                        case let .parameter(p): .parameter(p)
                        case .unknown: .value(0)
                        }
                    }
                    #expect(dims == e.shape, "\(path) \(e.name)")
                }
            }
        }
    }

    /// Initializers in float_data and int64_data read as those in raw_data do.
    @Test func typedFieldInitializers() throws {
        let model = try ONNXModelProto(contentsOf: Self.folder.appendingPathComponent("runtime/gru_lbr1_typed_initializers/model.onnx"))
        let w = try #require(model.graph.initializers.first { $0.name == "W" })
        #expect(w.rawData == nil)
        #expect(w.floatData.count == 1 * 12 * 3)
        let tensor = try w.tensor(file: "m")
        #expect(tensor.shape == [1, 12, 3] && tensor.dataType == .float)
        // The same tensor, re-encoded in raw_data, reads to the same value.
        var raw = w
        raw.floatData = []
        raw.rawData = ONNXTensorProto(tensor, name: "W").rawData
        #expect(try raw.tensor(file: "m") == tensor)
        // Every type round trips through both encodings.
        let cases: [ONNXTensor] = [
            try ONNXTensor(shape: [2, 2], elements: .float([1, -2.5, .infinity, 0])),
            try ONNXTensor(shape: [3], elements: .double([1e-300, -7, 0.1])),
            try ONNXTensor(shape: [2], elements: .int32([-5, .max])),
            try ONNXTensor(shape: [], elements: .int64([.min])),
            try ONNXTensor(shape: [0, 4], elements: .float([])),
        ]
        for t in cases {
            let rawProto = ONNXTensorProto(t, name: "t")
            #expect(try ONNXTensorProto(bytes: rawProto.serialized(), file: "t.pb").tensor(file: "t.pb") == t)
            var typed = ONNXTensorProto()
            typed.name = "t"
            typed.dims = t.shape.map(Int64.init)
            typed.dataType = t.dataType.rawValue
            switch t.elements {
            case let .float(v): typed.floatData = v
            case let .double(v): typed.doubleData = v
            case let .int32(v): typed.int32Data = v
            case let .int64(v): typed.int64Data = v
            }
            #expect(try ONNXTensorProto(bytes: typed.serialized(), file: "t.pb").tensor(file: "t.pb") == t)
        }
    }

    /// A backend test's input_0.pb is a lone TensorProto, named after the graph input.
    @Test func backendTestTensorFiles() throws {
        let url = Self.folder.appendingPathComponent("node/test_gru_seq_length/test_data_set_0/input_0.pb")
        let proto = try ONNXTensorProto(bytes: [UInt8](try Data(contentsOf: url)), file: url.path)
        #expect(proto.name == "X")
        let x = try proto.tensor(file: url.path)
        #expect(x.shape == [2, 3, 3] && x.dataType == .float)
    }

    @Test func externalDataIsRejectedClearly() throws {
        let url = Self.folder.appendingPathComponent("reading/external_data.onnx")
        let model = try ONNXModelProto(contentsOf: url)
        let w = try #require(model.graph.initializers.first { $0.name == "W" })
        #expect(w.dataLocation == 1)
        #expect(throws: ONNXError.invalidTensor(
            file: url.path, tensor: "W",
            problem: "its data is stored outside the model file (location \"external_data.bin\"); GRUKit reads only self-contained models "
                + "(save them with onnx.save_model(model, path, save_as_external_data=False))")) {
            try w.tensor(file: url.path)
        }
    }

    /// What GRUKit writes, GRUKit reads back unchanged.
    @Test func modelsRoundTripThroughTheWriter() throws {
        for path in ["node/test_gru_bidirectional", "runtime/gru_activations_bidirectional_lbr1", "pytorch/dynamo_gru1_softmax_sigmoid"] {
            let model = try ONNXModelProto(contentsOf: Self.folder.appendingPathComponent(path).appendingPathComponent("model.onnx"))
            let again = try ONNXModelProto(bytes: model.serialized(), file: model.file)
            #expect(again == model, "\(path)")
        }
    }
}
