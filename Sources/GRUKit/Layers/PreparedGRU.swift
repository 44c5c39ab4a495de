/// A GRU stack frozen for inference: every layer's weights laid out once for the fast
/// kernels, as each call of ``GRU/callAsFunction(_:initialState:lengths:)`` otherwise lays them
/// out again — what an ONNX Runtime session or a frozen TorchScript module does at load time.
///
/// The outputs are those of the stack it was made from, bit for bit, and so are the errors;
/// only the time differs, which matters for small models (the binary-addition model's whole
/// sequence takes a few microseconds). The weights are a snapshot: to run changed weights,
/// prepare again. A stack that does not run on the fast kernels (Double, other activations,
/// a clip) runs as it is.
///
///     let frozen = try gru.prepared()
///     let (output, finalState) = try frozen(input)
public struct PreparedGRU<Scalar: GRUScalar>: Sendable {
    /// The stack, as it was prepared.
    public var gru: GRU<Scalar> { storage.gru }
    /// The prepared layers, when `Scalar` is Float and every layer runs on the fast kernels.
    private var stack: PreparedStack? { storage.stack }
    /// Everything in one reference, so that a copy of the prepared stack (a call may make one)
    /// retains one object, not each of the stack's tensors.
    private let storage: Storage

    private final class Storage: Sendable {
        let gru: GRU<Scalar>
        let stack: PreparedStack?

        init(_ gru: GRU<Scalar>, _ stack: PreparedStack?) {
            (self.gru, self.stack) = (gru, stack)
        }
    }

    /// Checks every shape of `gru`'s weights, then lays them out.
    public init(_ gru: GRU<Scalar>) throws {
        var checked = try GRU(gru.configuration, parameters: gru.parameters)  // its parameters are mutable
        checked.threads = gru.threads
        checked.engine = gru.engine
        storage = Storage(checked, Scalar.self == Float.self ? PreparedStack(unsafeBitCast(checked, to: GRU<Float>.self)) : nil)
    }

    /// Runs the stack (no dropout), as ``GRU/callAsFunction(_:initialState:lengths:)`` does.
    ///
    /// - Parameters:
    ///   - input: (T, N, I), or (N, T, I) with `batchFirst`.
    ///   - initialState: (L·D, N, H), or `nil` for zeros.
    ///   - lengths: N sequence lengths in 0...T, or `nil`.
    /// - Returns: `output` (T, N, D·H) or (N, T, D·H), zero past each length, and
    ///   `finalState` (L·D, N, H).
    public func callAsFunction(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>? = nil, lengths: [Int]? = nil
    ) throws -> (output: Tensor<Scalar>, finalState: Tensor<Scalar>) {
        let (output, finalState) = try run(input, initialState: initialState, lengths: lengths, keepFinalState: true)
        return (output, finalState!)
    }

    /// The output, and the final state with `keepFinalState` (`nil` without it: the prepared
    /// stack then makes no array for it).
    func run(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, lengths: [Int]?, keepFinalState: Bool
    ) throws -> (output: Tensor<Scalar>, finalState: Tensor<Scalar>?) {
        guard let stack else { return try gru(input, initialState: initialState, lengths: lengths) }
        // Scalar is Float here (checked in init).
        let (output, finalState) = try stack.run(
            unsafeBitCast(input, to: Tensor<Float>.self), initialState: initialState.map { unsafeBitCast($0, to: Tensor<Float>.self) },
            lengths: lengths, keepFinalState: keepFinalState)
        return (unsafeBitCast(output, to: Tensor<Scalar>.self), finalState.map { unsafeBitCast($0, to: Tensor<Scalar>.self) })
    }

    /// The output (T, N, D·H), time-major whatever `batchFirst`, in temporary memory for
    /// `body` (with T and N), or `nil` (and `body` not called) when the stack does not run on
    /// the fast kernels; the errors are those of ``callAsFunction(_:initialState:lengths:)``.
    func withFastOutput<R>(
        _ input: Tensor<Scalar>, initialState: Tensor<Scalar>?, lengths: [Int]?,
        _ body: (_ output: UnsafeBufferPointer<Float>, _ steps: Int, _ batch: Int) throws -> R
    ) throws -> R? {
        guard let stack else { return nil }
        // Scalar is Float here (checked in init).
        return try stack.withOutput(
            unsafeBitCast(input, to: Tensor<Float>.self), initialState: initialState.map { unsafeBitCast($0, to: Tensor<Float>.self) },
            lengths: lengths, body)
    }
}

extension GRU {
    /// This stack with its weights laid out once for repeated inference; see ``PreparedGRU``.
    public func prepared() throws -> PreparedGRU<Scalar> {
        try PreparedGRU(self)
    }
}
