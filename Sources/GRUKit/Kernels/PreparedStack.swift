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

    /// The stack's output (T, N, D·H) (or (N, T, D·H)) and final state (L·D, N, H).
    func run(
        _ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?, threads: ComputeThreads?
    ) throws -> (output: Tensor<Float>, finalState: Tensor<Float>) {
        let c = configuration
        let (l, d, h) = (c.layerCount, c.directionCount, c.hiddenSize)
        guard input.rank == 3, input.shape[2] == c.inputSize else {
            throw GRUKitError.shapeMismatch(
                tensor: "input", expected: c.batchFirst ? "(N, T, I) with I = \(c.inputSize)" : "(T, N, I) with I = \(c.inputSize)",
                actual: input.shape)
        }
        var x = c.batchFirst ? input.swappingFirstTwoAxes() : input
        if let h0 = initialState {
            try h0.requireShape([l * d, x.shape[1], h], name: "initial state", meaning: "(L·D, N, H)")
            try h0.requireFinite(name: "initial state")
        }
        let (t, n) = try GRULayer<Float>.checkSequence(x, initialState: nil, hiddenSize: h, lengths: lengths)
        var finalState = [Float](unsafeUninitializedCapacity: l * d * n * h) { _, count in count = l * d * n * h }
        for k in 0..<l {
            // The directions' outputs one after the other, (D, T, N, H).
            var outputs = [Float](unsafeUninitializedCapacity: d * t * n * h) { _, count in count = d * t * n * h }
            run(layer: k, x.scalars, steps: t, batch: n, initialState: initialState?.scalars, lengths: lengths,
                outputs: &outputs, finalState: &finalState, threads: threads)
            x = Tensor(unchecked: [t, n, d * h], scalars: d == 1 ? outputs : interleaved(outputs, parts: d, width: h))
        }
        return (c.batchFirst ? x.swappingFirstTwoAxes() : x, Tensor(unchecked: [l * d, n, h], scalars: finalState))
    }

    /// Layer k's directions over `x` (T, N, ·), side by side (`gru_layers_forward`): outputs
    /// (D, T, N, H), final states into rows k · D + d of `finalState`.
    private func run(
        layer k: Int, _ x: [Float], steps t: Int, batch n: Int, initialState: [Float]?, lengths: [Int]?,
        outputs: inout [Float], finalState: inout [Float], threads: ComputeThreads?
    ) {
        let (d, h) = (configuration.directionCount, configuration.hiddenSize)
        x.withUnsafeBufferPointer { x in
            withOptionalPointer(initialState) { h0 in
                withOptionalPointer(lengths) { lengths in
                    finalState.withUnsafeMutableBufferPointer { last in
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
}

/// (P, R, W) parts side by side as (R, P·W): row r is part 0's row r, then part 1's, ….
private func interleaved(_ parts: [Float], parts p: Int, width w: Int) -> [Float] {
    let rows = parts.count / (p * w)
    return [Float](unsafeUninitializedCapacity: parts.count) { out, count in
        parts.withUnsafeBufferPointer { src in
            for part in 0..<p {
                for r in 0..<rows {
                    (out.baseAddress! + (r * p + part) * w).initialize(from: src.baseAddress! + (part * rows + r) * w, count: w)
                }
            }
        }
        count = parts.count
    }
}
