import CGRUKernels

/// A whole stack's inference on the C kernels, every layer-direction a ``PreparedLayer``:
/// the work of ``GRU/callAsFunction(_:initialState:lengths:)`` for a stack on the fast kernels,
/// with the same checks and results, and nothing per call beyond the outputs and workspace.
/// A class: a call passes one reference around, not the configuration and layers.
final class PreparedStack: Sendable {
    let configuration: GRUConfiguration
    /// Layer k, direction d at k · D + d.
    let layers: [PreparedLayer]
    /// The threads to compute on (the stack's ``GRU/threads``), or `nil` for the caller's alone.
    let threads: ComputeThreads?

    /// `gru`'s layers prepared, or `nil` when one of them does not run on the fast kernels.
    init?(_ gru: GRU<Float>) {
        let c = gru.configuration
        let views = (0..<(c.layerCount * c.directionCount)).map { gru.layer($0 / c.directionCount, direction: $0 % c.directionCount) }
        guard views.allSatisfy(\.usesFastKernels) else { return nil }
        configuration = c
        layers = views.map(PreparedLayer.init)
        threads = gru.threads
    }

    /// The stack's output (T, N, D·H) (or (N, T, D·H)) and final state (L·D, N, H), or `nil`
    /// without `keepFinalState` (a model's logits read the output alone). The final states are
    /// written to temporary memory, copied out only when kept.
    func run(
        _ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?, keepFinalState: Bool = true
    ) throws -> (output: Tensor<Float>, finalState: Tensor<Float>?) {
        let c = configuration
        let (l, d, h) = (c.layerCount, c.directionCount, c.hiddenSize)
        let (input, t, n) = try checked(input, initialState: initialState, lengths: lengths)
        var output = [Float](unsafeUninitializedCapacity: t * n * d * h) { _, count in count = t * n * d * h }
        let finalState = withUnsafeTemporaryAllocation(of: Float.self, capacity: l * d * n * h) { last in
            output.withUnsafeMutableBufferPointer { y in
                forward(input.scalars, steps: t, batch: n, initialState: initialState?.scalars, lengths: lengths,
                        into: y, finalState: last)
            }
            return keepFinalState ? Tensor(unchecked: [l * d, n, h], scalars: Array(last)) : nil
        }
        let y = Tensor(unchecked: [t, n, d * h], scalars: output)
        return (c.batchFirst ? y.swappingFirstTwoAxes() : y, finalState)
    }

    /// The stack's output (T, N, D·H), time-major whatever `batchFirst`, in temporary memory
    /// for `body` (with T and N): a model's head reads it there, and the call makes no array
    /// for it. The checks and errors are ``run(_:initialState:lengths:keepFinalState:)``'s.
    func withOutput<R>(
        _ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?,
        _ body: (_ output: UnsafeBufferPointer<Float>, _ steps: Int, _ batch: Int) throws -> R
    ) throws -> R {
        let (l, d, h) = (configuration.layerCount, configuration.directionCount, configuration.hiddenSize)
        let (input, t, n) = try checked(input, initialState: initialState, lengths: lengths)
        return try withUnsafeTemporaryAllocation(of: Float.self, capacity: t * n * d * h) { y in
            try withUnsafeTemporaryAllocation(of: Float.self, capacity: l * d * n * h) { last in
                forward(input.scalars, steps: t, batch: n, initialState: initialState?.scalars, lengths: lengths,
                        into: y, finalState: last)
                return try body(UnsafeBufferPointer(y), t, n)
            }
        }
    }

    /// `input` time-major (T, N, I), with T and N, after the checks of a stack's forward pass.
    private func checked(
        _ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?
    ) throws -> (input: Tensor<Float>, steps: Int, batch: Int) {
        let c = configuration
        let input = try c.timeMajorInput(input)
        try c.checkInitialState(initialState, batch: input.shape[1])
        let (t, n) = try GRULayer<Float>.checkSequence(input, initialState: nil, hiddenSize: c.hiddenSize, lengths: lengths)
        return (input, t, n)
    }

    /// Every layer over the checked time-major `x` (T, N, I): the last layer's output into
    /// `output` (T, N, D·H), the final states into `finalState` (L·D, N, H). Layer k writes to
    /// `output` or to a second buffer, alternately, so that the last one writes to `output`;
    /// a bidirectional layer writes its directions (D, T, N, H) to a third and interleaves them.
    private func forward(
        _ x: [Float], steps t: Int, batch n: Int, initialState: [Float]?, lengths: [Int]?,
        into output: UnsafeMutableBufferPointer<Float>, finalState last: UnsafeMutableBufferPointer<Float>
    ) {
        let (l, d, h) = (configuration.layerCount, configuration.directionCount, configuration.hiddenSize)
        x.withUnsafeBufferPointer { x in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: l > 1 ? t * n * d * h : 0) { other in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: d > 1 ? d * t * n * h : 0) { directions in
                    var source = x
                    for k in 0..<l {
                        let target = (l - 1 - k) % 2 == 0 ? output : other
                        run(layer: k, source, steps: t, batch: n, initialState: initialState, lengths: lengths,
                            outputs: d == 1 ? target : directions, finalState: last)
                        if d > 1 {
                            // (D, T, N, H) → (T, N, D·H)
                            for r in 0..<(t * n) {
                                for dir in 0..<d {
                                    (target.baseAddress! + (r * d + dir) * h)
                                        .update(from: directions.baseAddress! + (dir * t * n + r) * h, count: h)
                                }
                            }
                        }
                        source = UnsafeBufferPointer(target)
                    }
                }
            }
        }
    }

    /// Layer k's directions over `x` (T, N, ·), side by side (`gru_layers_forward`): outputs
    /// (D, T, N, H), final states into rows k · D + d of `finalState`.
    private func run(
        layer k: Int, _ x: UnsafeBufferPointer<Float>, steps t: Int, batch n: Int, initialState: [Float]?, lengths: [Int]?,
        outputs y: UnsafeMutableBufferPointer<Float>, finalState last: UnsafeMutableBufferPointer<Float>
    ) {
        let (d, h) = (configuration.directionCount, configuration.hiddenSize)
        withOptionalPointer(initialState) { h0 in
            withOptionalPointer(lengths) { lengths in
                withUnsafeTemporaryAllocation(of: gru_layer.self, capacity: d) { cLayers in
                    withUnsafeTemporaryAllocation(of: gru_forward_call.self, capacity: d) { calls in
                        for dir in 0..<d {
                            var layer = layers[k * d + dir].layer
                            (layer.T, layer.N, layer.lengths) = (t, n, lengths)
                            cLayers.initializeElement(at: dir, to: layer)
                        }
                        // One scratch block: direction 1's workspace after direction 0's, 64-byte aligned.
                        let first = (gru_forward_workspace(cLayers.baseAddress!, 0) + 15) & ~15
                        let total = d == 1 ? first : first + gru_forward_workspace(cLayers.baseAddress! + 1, 0)
                        withTeam(threads, scratchFloats: total) { team, workspace in
                            for dir in 0..<d {
                                let row = (k * d + dir) * n * h
                                calls.initializeElement(at: dir, to: gru_forward_call(
                                    layer: cLayers.baseAddress! + dir, x: x.baseAddress, h0: h0.map { $0 + row },
                                    y: y.baseAddress! + dir * t * n * h, h_n: last.baseAddress! + row, trace: nil,
                                    workspace: workspace + dir * first))
                            }
                            withExtendedLifetime(layers) { gru_layers_forward(calls.baseAddress, Int32(d), team) }
                        }
                    }
                }
            }
        }
    }
}
