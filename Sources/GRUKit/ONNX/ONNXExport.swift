import Foundation

/// What an exported ONNX graph takes besides its input sequence.
public struct ONNXExportOptions: Hashable, Sendable {
    /// Add the input `h0`, FLOAT [L·D, N, H]: the initial state (without it, zeros).
    public var initialState = false
    /// Add the input `lengths`, INT64 [N]: each sequence's length, as ``GRU``'s `lengths`
    /// (outputs past a length are zero; `h_n` is the state after the last valid step).
    public var lengths = false

    /// Options with the optional inputs chosen.
    public init(initialState: Bool = false, lengths: Bool = false) {
        self.initialState = initialState
        self.lengths = lengths
    }

    /// The default operator set version of exported models.
    public static let opset: Int64 = 17
    /// The IR version of exported models.
    public static let irVersion: Int64 = 8
}

/// ONNX export: a ``GRUModel`` as an ONNX graph that computes the same logits and final state.
///
/// The graph (opset 17, dynamic T and N):
///
///     input    FLOAT [T, N, I], or [N, T, I] when batch_first
///     h0       FLOAT [L·D, N, H]       with ONNXExportOptions.initialState
///     lengths  INT64 [N]               with ONNXExportOptions.lengths
///     → logits FLOAT [T, N, O] ([N, T, O] when batch_first) every step, or [N, O] last step
///     → h_n    FLOAT [L·D, N, H]
///
/// Per layer k: one `GRU` node with `W`, `R`, `B` in ONNX's gate order z, r, h, reading
/// `h0[k·D ..< (k+1)·D]` (a `Slice`) and `lengths` (a `Cast` to INT32); its `Y` [T, D, N, H]
/// becomes the next layer's input [T, N, D·H] by `Transpose` and `Reshape`. The `Y_h` of the
/// layers `Concat` into `h_n`. The head is `MatMul` + `Add` on every step, or `Gather` of the
/// last step and `Gemm` — with `lengths`, of each sequence's last valid step, row
/// (len − 1)·N + n of the output as [T·N, D·H] (`Shape`, `Range`, `Sub`, `Mul`, `Add`,
/// `Reshape`), as ``GRUModel`` reads it; `Transpose` nodes convert batch-first input and logits.
///
/// Conventions map as ONNX requires: reset after the matmul is `linear_before_reset = 1`,
/// before it `0`; the "z takes the new state" polarity is exported with the z rows of every
/// weight and bias negated (the same model with ONNX's polarity, as σ(−a) = 1 − σ(a); a gate
/// activation without that symmetry cannot be exported in that polarity).
/// Non-standard activations and `clip` are exported as the `activations`,
/// `activation_alpha`, `activation_beta` and `clip` attributes. Dropout does not apply.
extension GRUModel {
    /// The model as an ONNX model.
    ///
    /// - Parameter options: the optional inputs `h0` and `lengths`.
    public func onnxModel(_ options: ONNXExportOptions = ONNXExportOptions()) throws -> ONNXModelProto {
        var builder = ONNXGraphBuilder()
        let c = configuration
        try Self.checkPolarity(c)
        let (l, d, h) = (c.layerCount, c.directionCount, c.hiddenSize)
        let o = parameters.head.outputSize
        let time: ONNXValueInfoProto.Dimension = .parameter("T"), batch: ONNXValueInfoProto.Dimension = .parameter("N")
        builder.input("input", .float, c.batchFirst ? [batch, time, .value(Int64(c.inputSize))] : [time, batch, .value(Int64(c.inputSize))])
        var x = "input"
        if c.batchFirst { x = builder.node("Transpose", ["input"], attributes: [.ints("perm", [1, 0, 2])]) }
        if options.initialState { builder.input("h0", .float, [.value(Int64(l * d)), batch, .value(Int64(h))]) }
        var lengths = ""
        if options.lengths {
            builder.input("lengths", .int64, [batch])
            lengths = builder.node("Cast", ["lengths"], attributes: [.int("to", Int64(ONNXDataType.int32.rawValue))])
        }
        var finalStates: [String] = []
        for k in 0..<l {
            let layers = (0..<d).map { parameters.gru.layers[k * d + $0] }
            let onnx = try layers.map { try Self.onnxWeights($0, update: c.convention.update) }
            let w = builder.constant("gru.W_l\(k)", ONNXTensor(unchecked: [d, 3 * h, c.layerInputSize(k)], .float(onnx.flatMap(\.w))))
            let r = builder.constant("gru.R_l\(k)", ONNXTensor(unchecked: [d, 3 * h, h], .float(onnx.flatMap(\.r))))
            let b = c.bias ? builder.constant("gru.B_l\(k)", ONNXTensor(unchecked: [d, 6 * h], .float(onnx.flatMap(\.b)))) : ""
            var h0 = ""
            if options.initialState {
                let bounds = [builder.int64s([Int64(k * d)]), builder.int64s([Int64((k + 1) * d)]), builder.int64s([0])]
                h0 = builder.node("Slice", ["h0"] + bounds)
            }
            var attributes: [ONNXAttributeProto] = [
                .int("hidden_size", Int64(h)), .string("direction", c.direction.rawValue),
                .int("linear_before_reset", c.convention.reset == .afterMatmul ? 1 : 0),
            ]
            attributes += try Self.activationAttributes(c)
            if let clip = c.clip { attributes.append(.float("clip", Float(clip))) }
            var inputs = [x, w, r, b, lengths, h0]
            while inputs.last == "" { inputs.removeLast() }
            let (y, yH) = builder.gru(inputs, finalState: l == 1 ? "h_n" : nil, attributes: attributes)
            finalStates.append(yH)
            let tnd = builder.node("Transpose", [y], attributes: [.ints("perm", [0, 2, 1, 3])])  // [T, N, D, H]
            let shape = builder.int64s([0, 0, -1])
            x = builder.node("Reshape", [tnd, shape])                                           // [T, N, D·H]
        }
        if l > 1 { builder.node("Concat", finalStates, output: "h_n", attributes: [.int("axis", 0)]) }
        let weight = parameters.head.weight.converted(to: Float.self), bias = parameters.head.bias?.converted(to: Float.self)
        let biasName = bias.map { builder.constant("head.bias", ONNXTensor($0)) }
        switch readout {
        case .everyStep:
            let transposed = builder.constant("head.weight_transposed", ONNXTensor(unchecked: [weight.shape[1], o], .float(weight.swappedMatrix().scalars)))
            let direct = !c.batchFirst && biasName == nil
            var logits = builder.node("MatMul", [x, transposed], output: direct ? "logits" : nil)
            if let biasName { logits = builder.node("Add", [logits, biasName], output: c.batchFirst ? nil : "logits") }
            if c.batchFirst { builder.node("Transpose", [logits], output: "logits", attributes: [.ints("perm", [1, 0, 2])]) }
        case .lastStep:
            let last: String
            if options.lengths {
                // Each sequence's last valid step, as GRUModel reads it: row (len − 1)·N + n of Y as [T·N, D·H].
                let one = builder.constant("one", ONNXTensor(unchecked: [], .int64([1])))
                let n = builder.node("Gather", [builder.node("Shape", [x]), one], attributes: [.int("axis", 0)])
                let sequences = builder.node("Range", [builder.constant("zero", ONNXTensor(unchecked: [], .int64([0]))), n, one])
                let rows = builder.node("Add", [builder.node("Mul", [builder.node("Sub", ["lengths", one]), n]), sequences])
                let flat = builder.node("Reshape", [x, builder.int64s([-1, Int64(d * h)])])
                last = builder.node("Gather", [flat, rows], attributes: [.int("axis", 0)])
            } else {
                let index = builder.constant("last_step", ONNXTensor(unchecked: [], .int64([-1])))
                last = builder.node("Gather", [x, index], attributes: [.int("axis", 0)])
            }
            let weightName = builder.constant("head.weight", ONNXTensor(weight))
            builder.node("Gemm", [last, weightName] + (biasName.map { [$0] } ?? []), output: "logits", attributes: [.int("transB", 1)])
        }
        let logitsShape: [ONNXValueInfoProto.Dimension] = switch readout {
        case .everyStep: c.batchFirst ? [batch, time, .value(Int64(o))] : [time, batch, .value(Int64(o))]
        case .lastStep: [batch, .value(Int64(o))]
        }
        builder.output("logits", .float, logitsShape)
        builder.output("h_n", .float, [.value(Int64(l * d)), batch, .value(Int64(h))])

        var model = ONNXModelProto()
        model.irVersion = ONNXExportOptions.irVersion
        model.opsetImports = [ONNXOperatorSetID(version: ONNXExportOptions.opset)]
        model.producerName = "GRUKit"
        model.docString = "GRU (\(l) layer\(l == 1 ? "" : "s"), \(c.direction.rawValue), input \(c.inputSize), hidden \(h), "
            + "\(configuration.convention)) + linear head (\(o) outputs, \(readout.rawValue))"
        model.graph = builder.graph
        model.graph.name = "grukit_gru_model"
        return model
    }

    /// Writes the model as an ONNX file, atomically.
    ///
    /// - Throws: ``ONNXError/cannotWrite(file:reason:)``; any previous file is unchanged.
    public func exportONNX(to url: URL, options: ONNXExportOptions = ONNXExportOptions()) throws {
        var model = try onnxModel(options)
        model.file = url.path
        try model.write(to: url)
    }

    /// One layer-direction's weights in ONNX's layout: gates z, r, h, the z rows negated for
    /// the "z takes the new state" polarity; B = [Wb, Rb] (empty without biases).
    static func onnxWeights(_ p: GRUParameters<Scalar>, update: GRUConvention.UpdatePolarity) throws -> (w: [Float], r: [Float], b: [Float]) {
        let q = update == .zTakesNewState ? p.flippingUpdatePolarity() : p
        func zrh(_ t: Tensor<Scalar>) -> [Float] {
            let s = t.scalars.map { Float($0) }, gate = s.count / 3
            return Array(s[gate..<(2 * gate)] + s[..<gate] + s[(2 * gate)...])
        }
        let b = q.biasIH.map { zrh($0) + zrh(q.biasHH!) } ?? []
        let all = zrh(q.weightIH) + zrh(q.weightHH) + b
        if let i = all.firstIndex(where: { !$0.isFinite }) {
            throw GRUKitError.invalidValue(option: "ONNX export", value: "\(all[i])", expected: "GRU weights that are finite in Float")
        }
        return (zrh(q.weightIH), zrh(q.weightHH), b)
    }

    /// Throws unless the update polarity can be exported: "z takes the new state" becomes ONNX's
    /// polarity by negating the z rows, which is exact only when f(−a) = 1 − f(a) for the gate
    /// activation f (σ; HardSigmoid and Affine with β = 0.5).
    static func checkPolarity(_ c: GRUConfiguration) throws {
        guard c.convention.update == .zTakesNewState else { return }
        for d in 0..<c.directionCount {
            switch c.activations(forDirection: d).gate {
            case .sigmoid, .hardSigmoid(_, 0.5), .affine(_, 0.5): continue
            case let f:
                throw GRUKitError.incompatible(
                    "ONNX export: the 'z takes the new state' polarity becomes ONNX's by negating the z rows, which needs a gate "
                        + "activation with f(−a) = 1 − f(a) (sigmoid, or HardSigmoid or Affine with beta 0.5); this model's is \(f)")
            }
        }
    }

    /// `activations`, `activation_alpha` and `activation_beta` for non-standard activations;
    /// none for σ and tanh. Each activation that takes α (or β) contributes it in order, as
    /// ONNX Runtime reads them.
    static func activationAttributes(_ c: GRUConfiguration) throws -> [ONNXAttributeProto] {
        let pairs = (0..<c.directionCount).map { c.activations(forDirection: $0) }
        guard !pairs.allSatisfy(\.isStandard) else { return [] }
        var names: [String] = [], alphas: [Float] = [], betas: [Float] = []
        for activation in pairs.flatMap({ [$0.gate, $0.candidate] }) {
            switch activation {
            case .sigmoid: names.append("Sigmoid")
            case .tanh: names.append("Tanh")
            case .relu: names.append("Relu")
            case .softsign: names.append("Softsign")
            case .softplus: names.append("Softplus")
            case let .leakyRelu(a): names.append("LeakyRelu"); alphas.append(Float(a))
            case let .thresholdedRelu(a): names.append("ThresholdedRelu"); alphas.append(Float(a))
            case let .elu(a): names.append("Elu"); alphas.append(Float(a))
            case let .hardSigmoid(a, b): names.append("HardSigmoid"); alphas.append(Float(a)); betas.append(Float(b))
            case let .scaledTanh(a, b): names.append("ScaledTanh"); alphas.append(Float(a)); betas.append(Float(b))
            case let .affine(a, b): names.append("Affine"); alphas.append(Float(a)); betas.append(Float(b))
            }
        }
        var attributes: [ONNXAttributeProto] = [.strings("activations", names)]
        if !alphas.isEmpty { attributes.append(.floats("activation_alpha", alphas)) }
        if !betas.isEmpty { attributes.append(.floats("activation_beta", betas)) }
        return attributes
    }
}

extension Tensor {
    /// A matrix's transpose: (A, B) → (B, A).
    func swappedMatrix() -> Tensor {
        let (a, b) = (shape[0], shape[1])
        var out = [Scalar](repeating: 0, count: count)
        for i in 0..<a { for j in 0..<b { out[j * a + i] = scalars[i * b + j] } }
        return Tensor(unchecked: [b, a], scalars: out)
    }
}

/// Collects the nodes, initializers, inputs and outputs of a graph being exported; names
/// each node's outputs after the node (`Transpose_0`, `GRU_1`, `GRU_1_Y_h`, …).
struct ONNXGraphBuilder {
    private(set) var graph = ONNXGraphProto()
    private var constants = 0

    mutating func input(_ name: String, _ type: ONNXDataType, _ shape: [ONNXValueInfoProto.Dimension]) {
        graph.inputs.append(ONNXValueInfoProto(name: name, type: .tensor(elementType: type.rawValue, shape: shape)))
    }

    mutating func output(_ name: String, _ type: ONNXDataType, _ shape: [ONNXValueInfoProto.Dimension]) {
        graph.outputs.append(ONNXValueInfoProto(name: name, type: .tensor(elementType: type.rawValue, shape: shape)))
    }

    /// Adds an initializer and returns its name.
    mutating func constant(_ name: String, _ tensor: ONNXTensor) -> String {
        graph.initializers.append(ONNXTensorProto(tensor, name: name))
        return name
    }

    /// Adds a 1-D INT64 initializer (slice bounds, a shape) and returns its name.
    mutating func int64s(_ values: [Int64]) -> String {
        constants += 1
        return constant("const_\(constants)", ONNXTensor(unchecked: [values.count], .int64(values)))
    }

    /// Adds a node with one output and returns the output's name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], output: String? = nil, attributes: [ONNXAttributeProto] = []) -> String {
        let name = "\(op)_\(graph.nodes.count)"
        let out = output ?? name
        graph.nodes.append(ONNXNodeProto(opType: op, inputs: inputs, outputs: [out], name: name, attributes: attributes))
        return out
    }

    /// Adds a GRU node and returns its outputs Y and Y_h (named `finalState` when given).
    mutating func gru(_ inputs: [String], finalState: String?, attributes: [ONNXAttributeProto]) -> (String, String) {
        let name = "GRU_\(graph.nodes.count)"
        let outputs = [name + "_Y", finalState ?? name + "_Y_h"]
        graph.nodes.append(ONNXNodeProto(opType: "GRU", inputs: inputs, outputs: outputs, name: name, attributes: attributes))
        return (outputs[0], outputs[1])
    }
}
