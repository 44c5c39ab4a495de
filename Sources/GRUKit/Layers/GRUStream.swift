/// A forward-direction GRU stack run one step at a time, carrying its state: on-line
/// inference, when inputs arrive one by one.
///
/// Feeding a sequence step by step gives the outputs and final state that the sequence API,
/// ``GRU/callAsFunction(_:initialState:lengths:)``, gives for the whole sequence.
///
///     var stream = try GRUStream(gru, batchSize: 1)
///     for x in inputs { let y = try stream.step(x) }   // x: (N, I), y: (N, H)
public struct GRUStream<Scalar: GRUScalar>: Sendable {
    /// The stack being run, with its weights laid out once (a step is a one-step sequence).
    private let prepared: PreparedGRU<Scalar>
    /// The stack being run.
    public var gru: GRU<Scalar> { prepared.gru }
    /// (L, N, H): every layer's state after the last step.
    public private(set) var state: Tensor<Scalar>
    /// How many steps have been taken since the start or the last ``reset(to:)``.
    public private(set) var stepCount = 0

    /// Starts a stream.
    ///
    /// - Parameters:
    ///   - gru: a stack whose direction is ``GRUDirection/forward`` (a reverse direction needs
    ///     the whole sequence before its first output).
    ///   - batchSize: N ≥ 1, the number of streams run side by side.
    ///   - initialState: (L, N, H), or `nil` for zeros.
    public init(_ gru: GRU<Scalar>, batchSize: Int = 1, initialState: Tensor<Scalar>? = nil) throws {
        guard gru.configuration.direction == .forward else {
            throw GRUKitError.incompatible(
                "streaming needs a forward-direction GRU; a \(gru.configuration.direction.rawValue) one must see the whole sequence first")
        }
        guard batchSize >= 1 else { throw GRUKitError.invalidSize(option: "batch size", value: batchSize, expected: "≥ 1") }
        prepared = try gru.prepared()
        state = Tensor(uncheckedZeros: [gru.configuration.layerCount, batchSize, gru.configuration.hiddenSize])
        try reset(to: initialState)
    }

    /// Takes one step.
    ///
    /// - Parameter input: (N, I), this step's input for each of the N streams.
    /// - Returns: (N, H), the top layer's new state.
    public mutating func step(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let (n, h) = (state.shape[1], state.shape[2])
        try input.requireShape([n, gru.configuration.inputSize], name: "input", meaning: "(N, I)")
        // One step: (1, N, I), or (N, 1, I) batch-first — the same elements in the same order.
        let shape = gru.configuration.batchFirst ? [n, 1, input.shape[1]] : [1, n, input.shape[1]]
        let (output, finalState) = try prepared(Tensor(unchecked: shape, scalars: input.scalars), initialState: state)
        state = finalState
        stepCount += 1
        return Tensor(unchecked: [n, h], scalars: output.scalars)
    }

    /// Starts over from `initialState` (L, N, H), or from zeros.
    public mutating func reset(to initialState: Tensor<Scalar>? = nil) throws {
        if let initialState {
            try initialState.requireShape(state.shape, name: "initial state", meaning: "(L, N, H)")
            try initialState.requireFinite(name: "initial state")
            state = initialState
        } else {
            state = Tensor(uncheckedZeros: state.shape)
        }
        stepCount = 0
    }
}
