import CGRUKernels

/// A whole stack's inference on the C kernels, every layer-direction a ``PreparedLayer``:
/// the work of ``GRU/callAsFunction(_:initialState:lengths:)`` for a stack on the fast kernels,
/// with the same checks and results, and nothing per call beyond the outputs and workspace.
struct PreparedStack: Sendable {
    let configuration: GRUConfiguration
    /// Layer k, direction d at k · D + d.
    let layers: [PreparedLayer]

    /// `gru`'s layers prepared, or `nil` when one of them does not run on the fast kernels.
    init?(_ gru: GRU<Float>) {
        let c = gru.configuration
        let views = (0..<(c.layerCount * c.directionCount)).map { gru.layer($0 / c.directionCount, direction: $0 % c.directionCount) }
        guard views.allSatisfy(\.usesFastKernels) else { return nil }
        configuration = c
        layers = views.map(PreparedLayer.init)
    }

    /// The stack's output (T, N, D·H) (or (N, T, D·H)) and final state (L·D, N, H), or `nil`
    /// without `keepFinalState` (a model's logits read the output alone). The final states are
    /// written to temporary memory, copied out only when kept.
    func run(
        _ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?, threads: ComputeThreads?,
        keepFinalState: Bool = true
    ) throws -> (output: Tensor<Float>, finalState: Tensor<Float>?) {
        let c = configuration
        let (l, d, h) = (c.layerCount, c.directionCount, c.hiddenSize)
        let input = try c.timeMajorInput(input)
        try c.checkInitialState(initialState, batch: input.shape[1])
        let (t, n) = try GRULayer<Float>.checkSequence(input, initialState: nil, hiddenSize: h, lengths: lengths)
        let (output, finalState) = withUnsafeTemporaryAllocation(of: Float.self, capacity: l * d * n * h) { last in
            var x = input
            for k in 0..<l {
                // The directions' outputs one after the other, (D, T, N, H).
                var outputs = [Float](unsafeUninitializedCapacity: d * t * n * h) { _, count in count = d * t * n * h }
                run(layer: k, x.scalars, steps: t, batch: n, initialState: initialState?.scalars, lengths: lengths,
                    outputs: &outputs, finalState: last, threads: threads)
                x = Tensor.concatenatingLastAxis(stacked: outputs, parts: d, shape: [t, n, h])
            }
            return (x, keepFinalState ? Tensor(unchecked: [l * d, n, h], scalars: Array(last)) : nil)
        }
        return (c.batchFirst ? output.swappingFirstTwoAxes() : output, finalState)
    }

    /// Layer k's directions over `x` (T, N, ·), side by side (`gru_layers_forward`): outputs
    /// (D, T, N, H), final states into rows k · D + d of `finalState`.
    private func run(
        layer k: Int, _ x: [Float], steps t: Int, batch n: Int, initialState: [Float]?, lengths: [Int]?,
        outputs: inout [Float], finalState last: UnsafeMutableBufferPointer<Float>, threads: ComputeThreads?
    ) {
        let (d, h) = (configuration.directionCount, configuration.hiddenSize)
        x.withUnsafeBufferPointer { x in
            withOptionalPointer(initialState) { h0 in
                withOptionalPointer(lengths) { lengths in
                    outputs.withUnsafeMutableBufferPointer { y in
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
    }
}
