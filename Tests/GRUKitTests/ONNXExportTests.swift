import Foundation
@testable import GRUKit
import Testing

/// ONNX export: for 32 models over every convention × layers {1, 2} × directions × readout
/// (scripts/check_onnx_export.py), what GRUKit exports today is byte for byte the file that
/// onnx.checker accepted and ONNX Runtime ran, and GRUKit's model and GRUKit's runner both
/// compute ONNX Runtime's outputs on it. Then round trips of models no model file can
/// describe (activations, clip, reverse, Double).
@Suite struct ONNXExportTests {
    static let folder = fixturesFolder.appendingPathComponent("onnx/export")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func everyConventionLayoutAndReadoutIsCovered() {
        #expect(Self.cases.count == 32)
        for convention in ["after_keeps-old", "before_keeps-old", "before_takes-new", "after_takes-new"] {
            #expect(Self.cases.filter { $0.hasPrefix(convention) }.count == 8, "\(convention)")
        }
        #expect(Self.cases.contains { $0.contains("every-step_batch_first") } && Self.cases.contains { $0.contains("last-step_batch_first") })
        #expect(Self.cases.contains { $0.hasSuffix("every-step") } && Self.cases.contains { $0.hasSuffix("last-step") })
    }

    @Test(arguments: cases)
    func exportMatchesONNXRuntime(_ name: String) throws {
        let dir = Self.folder.appendingPathComponent(name)
        let model = try GRUModel<Float>(contentsOf: dir.appendingPathComponent("model.safetensors"))
        let inputs = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("inputs.safetensors"))
        let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("ort_outputs.safetensors"))
        let options = ONNXExportOptions(initialState: inputs.info("h0") != nil, lengths: inputs.info("lengths") != nil)

        // Today's export is the file ONNX Runtime ran.
        let committed = [UInt8](try Data(contentsOf: dir.appendingPathComponent("exported.onnx")))
        #expect(try model.onnxModel(options).serialized() == committed, "re-run scripts/check_onnx_export.py --write-fixtures if the exporter changed")

        // GRUKit's model computes ONNX Runtime's logits and h_n.
        let x: Tensor<Float> = try inputs.tensor("input")
        let h0: Tensor<Float>? = options.initialState ? try inputs.tensor("h0") : nil
        let lengths = options.lengths ? try inputs.integers("lengths").values : nil
        let ortLogits: Tensor<Float> = try expected.tensor("logits"), ortState: Tensor<Float> = try expected.tensor("h_n")
        expectClose(try model.logits(x, initialState: h0, lengths: lengths), ortLogits, tolerance: 1e-5, "\(name): logits")
        expectClose(try model.gru(x, initialState: h0, lengths: lengths).finalState, ortState, tolerance: 1e-5, "\(name): h_n")

        // GRUKit's runner, on the exported file, computes them too.
        let runner = try ONNXGraphRunner(model: ONNXModelProto(bytes: committed, file: name))
        let outputs = try runner.run(runner.inputs(from: inputs))
        expectClose(try #require(outputs["logits"]?.floatingPoint(as: Float.self)), ortLogits, tolerance: 1e-5, "\(name): runner logits")
        expectClose(try #require(outputs["h_n"]?.floatingPoint(as: Float.self)), ortState, tolerance: 1e-5, "\(name): runner h_n")

        // The mapping itself: linear_before_reset follows the reset placement.
        let gru = try #require(runner.model.graph.nodes.first { $0.opType == "GRU" })
        let lbr = gru.attributes.first { $0.name == "linear_before_reset" }?.int
        #expect(lbr == (model.configuration.convention.reset == .afterMatmul ? 1 : 0))
    }

    /// Models beyond what a model file holds: non-standard activations with α and β, clip, a
    /// reverse stack, no head bias, Double weights. Export, read back, run, compare with the model.
    @Test func roundTripsThroughTheReaderAndRunner() throws {
        var generator = SeededGenerator(seed: 11)
        let activations: [[GRUActivations]] = [
            [.standard],
            [GRUActivations(gate: .hardSigmoid(alpha: 0.3, beta: 0.45), candidate: .leakyRelu(alpha: 0.1)),
             GRUActivations(gate: .sigmoid, candidate: .scaledTanh(alpha: 1.2, beta: 0.7))],
            [GRUActivations(gate: .hardSigmoid(alpha: 0.2, beta: 0.5), candidate: .elu(alpha: 0.8))],
        ]
        var checked = 0
        for (i, acts) in activations.enumerated() {
            for direction in GRUDirection.allCases {
                for convention in GRUConvention.allCases {
                    var c = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 1 + i % 2, direction: direction)
                    c.convention = convention
                    c.batchFirst = checked % 2 == 0
                    c.clip = i == 2 ? 0.9 : nil
                    c.activations = acts.count == 2 && direction != .bidirectional ? [acts[0]] : acts
                    var model = try GRUModel<Double>(configuration: c, outputSize: 2, readout: checked % 3 == 0 ? .lastStep : .everyStep, using: &generator)
                    if checked % 4 == 1 { model.parameters.head.bias = nil }
                    if convention.update == .zTakesNewState, i == 1 {
                        // HardSigmoid with β = 0.45: hs(−a) ≠ 1 − hs(a), so negating the z rows would change the model.
                        #expect(throws: GRUKitError.self) { try model.onnxModel() }
                        continue
                    }
                    let onnx = try ONNXModelProto(bytes: model.onnxModel(ONNXExportOptions(initialState: true, lengths: true)).serialized())
                    let (t, n) = (5, 3)
                    let x = try Tensor<Double>.uniform(shape: c.batchFirst ? [n, t, 3] : [t, n, 3], in: -1...1, using: &generator)
                    let h0 = try Tensor<Double>.uniform(shape: [c.layerCount * c.directionCount, n, 4], in: -0.5...0.5, using: &generator)
                    let lengths = [5, 2, 4]
                    let outputs = try ONNXGraphRunner(model: onnx).run([
                        "input": ONNXTensor(x.converted(to: Float.self)), "h0": ONNXTensor(h0.converted(to: Float.self)),
                        "lengths": ONNXTensor(shape: [3], int64s: lengths.map(Int64.init)),
                    ])
                    let logits = try model.logits(x, initialState: h0, lengths: lengths).converted(to: Float.self)
                    let state = try model.gru(x, initialState: h0, lengths: lengths).finalState.converted(to: Float.self)
                    let what = "\(c.direction) \(convention) layers \(c.layerCount) activations \(i) \(model.readout)"
                    expectClose(try #require(outputs["logits"]?.floatingPoint(as: Float.self)), logits, tolerance: 1e-5, "\(what): logits")
                    expectClose(try #require(outputs["h_n"]?.floatingPoint(as: Float.self)), state, tolerance: 1e-5, "\(what): h_n")
                    checked += 1
                }
            }
        }
        #expect(checked == 30)
    }

    /// The z-takes-new polarity is exported as the same model with ONNX's polarity: the z rows
    /// (ONNX's first gate block) negated, the r and h blocks as they are.
    @Test func takesNewPolarityNegatesTheZRows() throws {
        var generator = SeededGenerator(seed: 3)
        let p = try GRUParameters<Float>.pytorchDefault(inputSize: 2, hiddenSize: 3, using: &generator)
        let keeps = try GRUModel<Float>.onnxWeights(p, update: .zKeepsOldState)
        let takes = try GRUModel<Float>.onnxWeights(p, update: .zTakesNewState)
        // ONNX W = [W_z; W_r; W_h]: W_z is canonical rows 3..<6 (z), W_r rows 0..<3 (r).
        #expect(Array(keeps.w[0..<6]) == Array(p.weightIH.scalars[6..<12]))
        #expect(Array(keeps.w[6..<12]) == Array(p.weightIH.scalars[0..<6]))
        #expect(Array(takes.w[0..<6]) == keeps.w[0..<6].map { -$0 })
        #expect(Array(takes.w[6...]) == Array(keeps.w[6...]))
        #expect(Array(takes.b[0..<3]) == keeps.b[0..<3].map { -$0 })
        #expect(Array(takes.b[9..<12]) == keeps.b[9..<12].map { -$0 })
        #expect(Array(takes.b[3..<9]) == Array(keeps.b[3..<9]))
    }
}
