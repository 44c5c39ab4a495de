import Foundation
@testable import GRUKit
import Testing

/// Malformed ONNX files and models the runner cannot run: each is a typed error that names
/// the field path, node, initializer or input and what was expected; nothing traps and
/// nothing is allocated from a lying length or shape.
@Suite struct ONNXMalformedTests {
    static let folder = fixturesFolder.appendingPathComponent("onnx")

    /// The bytes, runner inputs and file name of a fixture case.
    func fixture(_ path: String) throws -> (bytes: [UInt8], inputs: [String: ONNXTensor]) {
        let dir = Self.folder.appendingPathComponent(path)
        let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("model.onnx")))
        let model = try ONNXModelProto(bytes: bytes, file: "m.onnx")
        var inputs: [String: ONNXTensor] = [:]
        for k in 0..<model.graph.inputs.count {
            let url = dir.appendingPathComponent("test_data_set_0/input_\(k).pb")
            guard let data = try? Data(contentsOf: url) else { break }
            let proto = try ONNXTensorProto(bytes: [UInt8](data), file: url.path)
            inputs[proto.name] = try proto.tensor(file: url.path)
        }
        return (bytes, inputs)
    }

    /// Parses, prepares and runs; returns the stage that threw, or `nil` when all succeeded.
    func stageThatFails(_ bytes: [UInt8], _ inputs: [String: ONNXTensor], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            let model = try ONNXModelProto(bytes: bytes, file: "m.onnx")
            do {
                let runner = try ONNXGraphRunner(model: model)
                do { _ = try runner.run(inputs) } catch is ONNXError { return "run" }
                return nil
            } catch is ONNXError { return "prepare" }
        } catch is ONNXError {
            return "parse"
        } catch {
            Issue.record("not an ONNXError: \(error)", sourceLocation: sourceLocation)
            return "other"
        }
    }

    /// Every proper prefix of two models fails with an ONNXError: at parsing (a length or value
    /// cut short), or, cut at a field boundary, for the graph or opset it lacks.
    @Test(arguments: ["runtime/gru_lbr1_bias_initial_h", "node/test_gru_defaults"])
    func truncatedAtEveryByte(_ path: String) throws {
        let (bytes, inputs) = try fixture(path)
        #expect(stageThatFails(bytes, inputs) == nil)
        var stages: [String: Int] = [:]
        for length in 0..<bytes.count {
            let stage = stageThatFails(Array(bytes[..<length]), inputs)
            #expect(stage != nil, "prefix of \(length) bytes was accepted")
            stages[stage ?? "accepted", default: 0] += 1
        }
        #expect(stages["parse", default: 0] > bytes.count * 9 / 10)
        print("\(path): \(bytes.count) prefixes: \(stages.sorted { $0.key < $1.key })")
    }

    /// Seeded random byte changes to GRU models: whatever the bytes say, an ONNXError or a result.
    @Test func randomMutationsNeverTrap() throws {
        var generator = SeededGenerator(seed: 99)
        var outcomes: [String: Int] = [:]
        for path in ["runtime/gru_bidirectional_lbr1_sequence_lens_initial_h", "runtime/gru_activations_bidirectional_lbr1", "node/test_gru_seq_length"] {
            let (bytes, inputs) = try fixture(path)
            for _ in 0..<400 {
                var mutated = bytes
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let i = Int(generator.next() % UInt64(mutated.count))
                    mutated[i] = generator.next() % 2 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : mutated[i] ^ (1 << (generator.next() % 8))
                }
                outcomes[stageThatFails(mutated, inputs) ?? "ran", default: 0] += 1
            }
        }
        print("mutations: \(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes["other"] == nil)
    }

    // MARK: Hand-made bytes

    func model(_ fields: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var w = ProtobufWriter()
        fields(&w)
        return w.bytes
    }

    func malformed(_ bytes: [UInt8], path: String, _ problem: ProtobufProblem, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ONNXModelProto(bytes: bytes, file: "m.onnx")
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch let ONNXError.malformed(file, p, _, found) {
            #expect(file == "m.onnx" && p == path && found == problem, "\(p): \(found)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(problem) in \(path), got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func badVarintsWrongWireTypesAndLengthsInModels() {
        malformed([0x08] + [UInt8](repeating: 0xff, count: 10) + [0x01], path: "ModelProto", .varintTooLong)
        malformed([0x08] + [UInt8](repeating: 0xff, count: 9) + [0x03], path: "ModelProto", .varintOverflow)
        // ir_version as a string; the graph as a varint.
        malformed(model { $0.string(1, "8") }, path: "ModelProto",
                  .wrongWireType(field: "ir_version (field 1)", expected: "varint (0)", found: "length-delimited (2)"))
        malformed(model { $0.int64(7, 1) }, path: "ModelProto",
                  .wrongWireType(field: "graph (field 7)", expected: "length-delimited (2)", found: "varint (0)"))
        // Deeper: a node's op_type as a float, an attribute's f as a varint, a tensor's dims as 64-bit.
        malformed(model { m in m.message(7) { g in g.message(1) { n in n.float(4, 1) } } }, path: "ModelProto.graph.node[0]",
                  .wrongWireType(field: "op_type (field 4)", expected: "length-delimited (2)", found: "32-bit (5)"))
        malformed(model { m in m.message(7) { g in g.message(1) { n in n.string(4, "GRU"); n.message(5) { a in a.int64(2, 1) } } } },
                  path: "ModelProto.graph.node[0].attribute[0]", .wrongWireType(field: "f (field 2)", expected: "32-bit (5)", found: "varint (0)"))
        var w = ProtobufWriter()
        w.varint(1 << 3 | 1)  // dims, 64-bit
        w.varint(0)
        let dims64 = w.bytes + [0, 0, 0, 0, 0, 0, 0]
        malformed(model { m in m.message(7) { g in g.message(5) { t in t.raw(dims64) } } }, path: "ModelProto.graph.initializer[0]",
                  .wrongWireType(field: "dims (field 1)", expected: "varint (0) or length-delimited (2) (packed)", found: "64-bit (1)"))
        // A node whose length runs past the graph's end, though not past the file's.
        var graph = ProtobufWriter()
        graph.varint(1 << 3 | 2)
        graph.varint(50)
        let inner = graph.bytes + [UInt8](repeating: 0, count: 4)
        malformed(model { m in m.bytes(7, inner); m.bytes(6, [UInt8](repeating: 0x20, count: 60)) }, path: "ModelProto.graph",
                  .lengthPastEnd(length: 50, remaining: 4))
        // raw_data claiming 2^62 bytes: refused before allocating.
        var huge = ProtobufWriter()
        huge.varint(9 << 3 | 2)
        huge.varint(1 << 62)
        let raw = huge.bytes
        malformed(model { m in m.message(7) { g in g.message(5) { t in t.raw(raw) } } }, path: "ModelProto.graph.initializer[0]",
                  .lengthPastEnd(length: 1 << 62, remaining: 0))
        malformed([0x3a, 0x03, 0x0a, 0x01, 0xc0], path: "ModelProto.graph.node[0]", .truncated(inside: "a varint"))
    }

    @Test func modelsWithoutAGraphOrTheirOpset() throws {
        expectONNXError(.missingField(file: "m.onnx", path: "ModelProto", field: "graph (field 7); this is not an ONNX model")) {
            _ = try ONNXModelProto(bytes: [], file: "m.onnx")
        }
        var m = oneNodeModel("Relu", [floats([1], [1])])
        m.opsetImports = []
        expectONNXError(.unsupportedOpset(file: "test.onnx", domain: "", version: nil, supported: "7 to 28"), mentions: ["does not import"]) {
            _ = try ONNXGraphRunner(model: m)
        }
        for version: Int64 in [6, 29] {
            m.opsetImports = [ONNXOperatorSetID(domain: "ai.onnx", version: version)]
            expectONNXError(.unsupportedOpset(file: "test.onnx", domain: "", version: version, supported: "7 to 28")) { _ = try ONNXGraphRunner(model: m) }
        }
    }

    // MARK: Tensors

    func tensorError(_ proto: ONNXTensorProto, _ problemContains: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try proto.tensor(file: "m.onnx")
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch let ONNXError.invalidTensor(file, tensor, problem) {
            #expect(file == "m.onnx" && tensor == proto.name, sourceLocation: sourceLocation)
            #expect(problem.contains(problemContains), "\(problem)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func badTensorData() {
        var t = ONNXTensorProto()
        t.name = "W"
        t.dataType = 10
        tensorError(t, "data type FLOAT16 is not supported; supported: FLOAT, INT32, INT64, DOUBLE")
        t.dataType = 99
        tensorError(t, "unknown data type 99")
        t.dataType = 1
        t.dims = [2, 3]
        t.floatData = [1, 2, 3]
        tensorError(t, "dims [2, 3] hold 6 elements, float_data has 3")
        t.floatData = []
        t.rawData = [UInt8](repeating: 0, count: 20)
        tensorError(t, "raw_data holds 20 bytes")
        // Shapes far beyond the data are refused without allocating.
        t.dims = [1 << 40, 1 << 40]
        tensorError(t, "more elements than fit in memory")
        t.dims = [1 << 31, 1 << 31]
        tensorError(t, "raw_data holds 20 bytes")
        t.dims = [-1, 3]
        tensorError(t, "negative extent")
        t.dims = [5]
        t.floatData = [1, 2, 3, 4, 5]
        tensorError(t, "both raw_data and float_data")
        t.rawData = nil
        t.int64Data = [1]
        tensorError(t, "a FLOAT tensor with int64_data")
        t.int64Data = []
        t.hasSegment = true
        tensorError(t, "segments")
    }

    // MARK: Graphs

    @Test func missingInitializersAndValues() throws {
        let (bytes, inputs) = try fixture("runtime/gru_lbr1_bias_initial_h")
        var model = try ONNXModelProto(bytes: bytes, file: "m.onnx")
        model.graph.initializers.removeAll { $0.name == "R" }
        expectONNXError(.undefinedValue(file: "m.onnx", node: "node \"gru\" (GRU)", name: "R"),
                        mentions: ["\"R\" is not a graph input, an initializer or the output of an earlier node"]) {
            _ = try ONNXGraphRunner(model: model)
        }
        // A graph input not given, or given with the wrong type or fixed shape, or one the graph lacks.
        let runner = try ONNXGraphRunner(model: ONNXModelProto(bytes: bytes, file: "m.onnx"))
        var partial = inputs
        partial["initial_h"] = nil
        expectONNXError(.missingInput(file: "m.onnx", input: "initial_h", given: ["X"])) { _ = try runner.run(partial) }
        var wrong = inputs
        wrong["X"] = try ONNXTensor(shape: [5, 3, 3], elements: .double([Double](repeating: 0, count: 45)))
        expectONNXError(.invalidInput(file: "m.onnx", input: "X", expected: "FLOAT [5, 3, 3]", found: "DOUBLE [5, 3, 3]")) { _ = try runner.run(wrong) }
        wrong["X"] = floats([5, 2, 3], [Float](repeating: 0, count: 30))
        expectONNXError(.invalidInput(file: "m.onnx", input: "X", expected: "FLOAT [5, 3, 3]", found: "FLOAT [5, 2, 3]")) { _ = try runner.run(wrong) }
        var extra = inputs
        extra["x"] = inputs["X"]
        expectONNXError(mentions: ["graph input \"x\"", "one of the graph's inputs (X, initial_h)"]) { _ = try runner.run(extra) }
        // A graph output nothing produces; a name defined twice.
        model = try ONNXModelProto(bytes: bytes, file: "m.onnx")
        model.graph.outputs.append(ONNXValueInfoProto(name: "Z", type: nil))
        expectONNXError(.missingOutput(file: "m.onnx", output: "Z")) { _ = try ONNXGraphRunner(model: model) }
        model = try ONNXModelProto(bytes: bytes, file: "m.onnx")
        model.graph.nodes.append(ONNXNodeProto(opType: "Relu", inputs: ["Y"], outputs: ["Y"], name: "again"))
        expectONNXError(mentions: ["node \"again\" (Relu)", "output \"Y\" is already defined"]) { _ = try ONNXGraphRunner(model: model) }
    }

    @Test func wrongTensorTypesForOperators() throws {
        let (bytes, inputs) = try fixture("runtime/gru_reverse_lbr0_sequence_lens")
        let runner = try ONNXGraphRunner(model: ONNXModelProto(bytes: bytes, file: "m.onnx"))
        var model = runner.model
        // W as INT64 (an initializer of the wrong type).
        let w = try #require(model.graph.initializers.firstIndex { $0.name == "W" })
        let shape = try model.graph.initializers[w].tensor(file: "m.onnx").shape
        model.graph.initializers[w] = ONNXTensorProto(try ONNXTensor(shape: shape, elements: .int64([Int64](repeating: 1, count: shape.reduce(1, *)))), name: "W")
        expectONNXError(mentions: ["node \"gru\" (GRU)", "W is INT64", "must all be FLOAT or all DOUBLE"]) { _ = try ONNXGraphRunner(model: model).run(inputs) }
        // sequence_lens must be INT32, as ONNX defines it.
        var wrongLengths = inputs
        let lens = try #require(inputs["sequence_lens"]?.integers)
        model = runner.model
        model.graph.inputs = model.graph.inputs.map { $0.name == "sequence_lens" ? ONNXValueInfoProto(name: $0.name, type: .tensor(elementType: 7, shape: nil)) : $0 }
        wrongLengths["sequence_lens"] = int64s(lens.map(Int64.init))
        expectONNXError(mentions: ["sequence_lens must be INT32, got INT64 [3]"]) { _ = try ONNXGraphRunner(model: model).run(wrongLengths) }
        var tooLong = inputs
        tooLong["sequence_lens"] = try ONNXTensor(shape: [3], elements: .int32([2, 9, 1]))
        expectONNXError(mentions: ["sequence_lens holds 9, outside 0...5"]) { _ = try runner.run(tooLong) }
        // Shape operators given floats where they need integers.
        expectONNXError(mentions: ["node \"n\" (Reshape)", "input 1 (shape) must be INT64 or INT32, got FLOAT [2]"]) {
            _ = try runNode("Reshape", [floats([4], [1, 2, 3, 4]), floats([2], [2, 2])])
        }
        expectONNXError(mentions: ["input must be FLOAT or DOUBLE, got INT64 [2]"]) { _ = try runNode("Tanh", [int64s([1, 2])]) }
    }

    /// GRUKit's engine needs T, N ≥ 1: an empty sequence or batch is an error naming the node.
    @Test func emptySequencesOrBatches() {
        let w = floats([1, 6, 3], [Float](repeating: 0.1, count: 18)), r = floats([1, 6, 2], [Float](repeating: 0.1, count: 12))
        expectONNXError(mentions: ["node \"n\" (GRU): input: sequence length T: expected ≥ 1, got 0"]) {
            _ = try runNode("GRU", [floats([0, 2, 3], []), w, r], outputs: 2)
        }
        expectONNXError(mentions: ["node \"n\" (GRU): input: batch size N: expected ≥ 1, got 0"]) {
            _ = try runNode("GRU", [floats([3, 0, 3], []), w, r], outputs: 2)
        }
    }

    @Test func unsupportedOperatorsAreListed() throws {
        var model = oneNodeModel("LSTM", [floats([1], [1])])
        model.graph.nodes.append(ONNXNodeProto(opType: "Scan", inputs: ["in0"], outputs: ["a"]))
        model.graph.nodes.append(ONNXNodeProto(opType: "LSTM", inputs: ["in0"], outputs: ["b"], name: "second"))
        var custom = ONNXNodeProto(opType: "FusedGemm", inputs: ["in0"], outputs: ["c"], name: "fused")
        custom.domain = "com.microsoft"
        model.graph.nodes.append(custom)
        expectONNXError(.unsupportedOperators(file: "test.onnx", operators: ["LSTM (node \"n\", node \"second\")", "Scan (node 1)", "com.microsoft::FusedGemm (node \"fused\")"],
                                              supported: ONNXGraphRunner.supportedOperators), mentions: ["GRU, Gather, Gemm"]) {
            _ = try ONNXGraphRunner(model: model)
        }
        #expect(ONNXGraphRunner.supportedOperators.count == 25)
    }

    @Test func unsupportedAndInvalidAttributes() throws {
        let (bytes, inputs) = try fixture("runtime/gru_lbr1_bias_initial_h")
        let base = try ONNXModelProto(bytes: bytes, file: "m.onnx")
        func withGRUAttribute(_ attribute: ONNXAttributeProto) -> ONNXModelProto {
            var m = base
            m.graph.nodes[0].attributes.removeAll { $0.name == attribute.name }
            m.graph.nodes[0].attributes.append(attribute)
            return m
        }
        // GRU-1's output_sequence is not an attribute of today's GRU.
        expectONNXError(.unsupportedAttribute(
            file: "m.onnx", node: "node \"gru\" (GRU)", attribute: "output_sequence",
            problem: "is not an attribute of GRU (it takes activation_alpha, activation_beta, activations, clip, direction, hidden_size, layout, linear_before_reset)")) {
            _ = try ONNXGraphRunner(model: withGRUAttribute(.int("output_sequence", 1)))
        }
        let cases: [(ONNXAttributeProto, String)] = [
            (.float("hidden_size", 4), "attribute \"hidden_size\" must be INT, found FLOAT"),
            (.int("hidden_size", 7), "GRU attribute hidden_size: expected 4, as R's shape says, got 7"),
            (.int("hidden_size", -1), "attribute \"hidden_size\" is -1, expected ≥ 1"),
            (.string("direction", "sideways"), "attribute \"direction\" is \"sideways\", expected forward, reverse or bidirectional"),
            (.int("linear_before_reset", 2), "attribute \"linear_before_reset\" is 2, expected 0 or 1"),
            (.int("layout", 3), "attribute \"layout\" is 3, expected 0 or 1"),
            (.float("clip", -1), "attribute \"clip\" is -1.0, expected a finite number > 0"),
            (.strings("activations", ["Swish", "Tanh"]), "one of Sigmoid, Tanh, Relu"),
            (.strings("activations", ["Sigmoid"]), "expected 2 or 2 names, got 1"),
            (.floats("activation_alpha", [0.1]), "attribute \"activation_alpha\" is given without activations"),
        ]
        for (attribute, message) in cases {
            expectONNXError(mentions: ["m.onnx: node \"gru\" (GRU): ", message]) {
                _ = try ONNXGraphRunner(model: withGRUAttribute(attribute)).run(inputs)
            }
        }
        expectONNXError(mentions: ["attribute \"axis\" is not an attribute of Transpose (it takes perm)"]) {
            _ = try runNode("Transpose", [floats([1], [1])], attributes: [.int("axis", 0)])
        }
        var reference = ONNXAttributeProto.int("perm", 0)
        reference.referenceName = "p"
        expectONNXError(mentions: ["refers to a function attribute"]) { _ = try runNode("Transpose", [floats([1], [1])], attributes: [reference]) }
        expectONNXError(mentions: ["axis -3 is outside −2..<2"]) { _ = try runNode("Gather", [floats([1, 1], [1]), int64s([0])], attributes: [.int("axis", -3)]) }
    }

    /// Found by the onnx fuzzer (Fuzz/regressions/onnx/constant_tensor_attribute_without_t.onnx):
    /// a Constant whose `value` attribute says TENSOR but holds no `t` field trapped. Now it is an
    /// error naming the node and attribute, here and in ConstantOfShape; an INT or FLOAT
    /// attribute without its `i` or `f` field holds protobuf's default 0, as in ONNX Runtime
    /// (proto3 writers leave zeros out), not the operator's default for a missing attribute.
    @Test func attributesDeclaredWithoutAValue() throws {
        func declared(_ name: String, _ kind: ONNXAttributeProto.Kind) -> ONNXAttributeProto {
            var a = ONNXAttributeProto(name: name)
            a.type = kind.rawValue
            return a
        }
        for (op, inputs) in [("Constant", [ONNXTensor?]()), ("ConstantOfShape", [int64s([2])])] {
            expectONNXError(.unsupportedAttribute(file: "test.onnx", node: "node \"n\" (\(op))", attribute: "value",
                                                  problem: "is declared TENSOR but holds no tensor (no t field)")) {
                _ = try runNode(op, inputs, attributes: [declared("value", .tensor)])
            }
        }
        #expect(try runNode("Constant", [], attributes: [declared("value_float", .float)]) == [floats([], [0])])
        #expect(try runNode("Constant", [], attributes: [declared("value_int", .int)]) == [int64s([], [0])])
        // Softmax over axis 0 (the attribute's 0), not over the default last axis: columns sum to 1.
        let s = try runNode("Softmax", [floats([2, 2], [0, 0, 1, 3])], attributes: [declared("axis", .int)])[0].floatingPoint(as: Float.self)!.scalars
        #expect(abs(s[0] + s[2] - 1) < 1e-6 && abs(s[1] + s[3] - 1) < 1e-6 && abs(s[0] + s[1] - 1) > 0.1)
        let saved = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/onnx/constant_tensor_attribute_without_t.onnx")
        let model = try ONNXModelProto(contentsOf: saved)
        expectONNXError(mentions: ["is declared TENSOR but holds no tensor (no t field)"]) {
            _ = try ONNXGraphRunner(model: model).run(["x": floats([1, 2, 3], [1, 2, 3, 4, 5, 6])])
        }
    }

    /// Found by the onnx fuzzer (Fuzz/regressions/onnx/constant_of_shape_170_million_elements.onnx):
    /// a 7 kB model whose ConstantOfShape asked for [260, N, 327685] took a minute and 2 GB.
    /// Tensors made from a shape value (ConstantOfShape, Expand) hold at most 2^26 elements.
    @Test func tensorsMadeFromAShapeValueAreCapped() throws {
        let limit = 1 << 26
        expectONNXError(mentions: ["node \"n\" (ConstantOfShape)", "shape [260, 2, 327685] has more than \(limit) elements"]) {
            _ = try runNode("ConstantOfShape", [int64s([260, 2, 327685])])
        }
        expectONNXError(mentions: ["node \"n\" (Expand)", "shape [8193, 8192] has more than \(limit) elements"]) {
            _ = try runNode("Expand", [floats([1], [1]), int64s([8193, 8192])])
        }
        #expect(try runNode("ConstantOfShape", [int64s([2, 3])], attributes: [.tensor("value", ONNXTensorProto(int64s([1], [7]), name: ""))])
                == [int64s([2, 3], [7, 7, 7, 7, 7, 7])])
        let saved = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/onnx/constant_of_shape_170_million_elements.onnx")
        expectONNXError(mentions: ["(ConstantOfShape)", "has more than \(limit) elements"]) {
            _ = try ONNXGraphRunner(model: ONNXModelProto(contentsOf: saved)).run(["x": floats([2, 2, 3], [Float](repeating: 0.5, count: 12))])
        }
    }
}
