/// The ONNX `GRU` node, run by ``ONNXGRUOperator`` on GRUKit's engine.
///
/// Inputs: X, W, R, optional B, sequence_lens (INT32) and initial_h; X, W, R, B and initial_h
/// are all FLOAT (computed in `Float`) or all DOUBLE (computed in `Double`). Outputs: Y and
/// Y_h. Attributes: `activation_alpha`, `activation_beta`, `activations`, `clip`,
/// `direction`, `hidden_size`, `layout`, `linear_before_reset`.
enum ONNXGRUNode {
    static let attributes: Set<String> = [
        "activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout", "linear_before_reset",
    ]

    /// The operator the node's attributes describe.
    static func makeOperator(_ c: ONNXNodeContext) throws -> ONNXGRUOperator {
        var op = ONNXGRUOperator()
        if let h = try c.int("hidden_size") {
            guard h >= 1, let size = Int(exactly: h) else { throw c.badAttribute("hidden_size", "is \(h), expected ≥ 1") }
            op.hiddenSize = size
        }
        if let name = try c.string("direction") {
            guard let direction = GRUDirection(rawValue: name) else {
                throw c.badAttribute("direction", "is \(name.debugDescription), expected forward, reverse or bidirectional")
            }
            op.direction = direction
        }
        switch try c.int("linear_before_reset", default: 0) {
        case 0: op.linearBeforeReset = false
        case 1: op.linearBeforeReset = true
        case let v: throw c.badAttribute("linear_before_reset", "is \(v), expected 0 or 1")
        }
        switch try c.int("layout", default: 0) {
        case 0: op.layout = 0
        case 1: op.layout = 1
        case let v: throw c.badAttribute("layout", "is \(v), expected 0 or 1")
        }
        if let clip = try c.float("clip") {
            guard clip.isFinite, clip > 0 else { throw c.badAttribute("clip", "is \(clip), expected a finite number > 0") }
            op.clip = Double(clip)
        }
        op.activations = try c.strings("activations")
        op.activationAlpha = try c.floats("activation_alpha")?.map(Double.init) ?? []
        op.activationBeta = try c.floats("activation_beta")?.map(Double.init) ?? []
        if (!op.activationAlpha.isEmpty || !op.activationBeta.isEmpty), op.activations == nil {
            throw c.badAttribute(op.activationAlpha.isEmpty ? "activation_beta" : "activation_alpha", "is given without activations")
        }
        do { _ = try op.activationPairs() } catch { throw c.badAttribute("activations", "\(error)") }
        return op
    }

    static func run(_ c: ONNXNodeContext) throws -> [ONNXTensor] {
        let op = try makeOperator(c)
        let x = try c.input(0, "X")
        var lengths: [Int]?
        if let t = c.optionalInput(4) {
            guard case let .int32(v) = t.elements else { throw c.fail("sequence_lens must be INT32, got \(t.typeDescription)") }
            guard t.rank == 1 else { throw c.fail("sequence_lens must be 1-D [N], got shape \(t.shape)") }
            lengths = v.map(Int.init)
        }
        let floatInputs = [(0, "X"), (1, "W"), (2, "R"), (3, "B"), (5, "initial_h")]
        for (i, name) in floatInputs {
            guard let t = c.optionalInput(i) else { continue }
            guard t.dataType == x.dataType, t.dataType.isFloatingPoint else {
                throw c.fail("\(name) is \(t.typeDescription); X, W, R, B and initial_h must all be FLOAT or all DOUBLE (X is \(x.typeDescription))")
            }
        }
        func compute<S: GRUScalar>(_: S.Type) throws -> [ONNXTensor] {
            func tensor(_ i: Int, _ name: String) throws -> Tensor<S> { try c.input(i, name).floatingPoint(as: S.self)! }
            func optional(_ i: Int) -> Tensor<S>? { c.optionalInput(i)?.floatingPoint(as: S.self) }
            let xs = try tensor(0, "X")
            guard xs.rank == 3 else {
                throw c.fail("X must be \(op.layout == 0 ? "[T, N, I]" : "[N, T, I]"), got shape \(xs.shape)")
            }
            if let lengths {
                let (t, n) = op.layout == 0 ? (xs.shape[0], xs.shape[1]) : (xs.shape[1], xs.shape[0])
                guard lengths.count == n else { throw c.fail("sequence_lens has \(lengths.count) entries for batch size \(n)") }
                if let bad = lengths.first(where: { $0 < 0 || $0 > t }) {
                    throw c.fail("sequence_lens holds \(bad), outside 0...\(t) (the sequence length T)")
                }
            }
            let (y, yH) = try op(x: xs, w: tensor(1, "W"), r: tensor(2, "R"), b: optional(3), sequenceLengths: lengths, initialH: optional(5))
            return [ONNXTensor(y), ONNXTensor(yH)]
        }
        do {
            return x.dataType == .double ? try compute(Double.self) : try compute(Float.self)
        } catch let error as GRUKitError {
            throw c.fail("\(error)")
        }
    }
}
