import CGRUKernels

/// Which implementation a GRU layer runs on.
package enum GRUEngine: Hashable, Sendable {
    /// The C kernels when they apply (Float, σ and tanh, no clip), else the reference.
    case automatic
    /// The generic Swift implementation: every scalar type, activation and clip; the reference
    /// the fast kernels are tested against.
    case reference
}

extension GRULayer {
    /// Whether this layer runs on the fast C kernels.
    var usesFastKernels: Bool {
        engine == .automatic && Scalar.self == Float.self && activations.isStandard && clip == nil
    }

    /// Runs the layers (a stack layer's directions) over the same input, keeping traces (or,
    /// without `keepTrace`, only the outputs and final states): on the fast kernels side by side
    /// (each direction on its own thread when there are two), else one after the other. The
    /// results are those of `forward` on each layer.
    static func forwardDirections(
        _ layers: [GRULayer], _ input: Tensor<Scalar>, initialStates: [Tensor<Scalar>?], lengths: [Int]?, keepTrace: Bool = true
    ) throws -> [GRULayerTrace<Scalar>] {
        guard layers.count > 1, layers.allSatisfy(\.usesFastKernels), let fast = layers as? [GRULayer<Float>] else {
            return try zip(layers, initialStates).map { try $0.run(input, initialState: $1, lengths: lengths, keepTrace: keepTrace) }
        }
        for (k, layer) in layers.enumerated() {
            _ = try layer.checkInput(input, initialState: initialStates[k], lengths: lengths, inputChecked: k > 0)
        }
        let traces = GRULayer<Float>.fastForward(
            fast, input as! Tensor<Float>, initialStates: initialStates.map { $0 as! Tensor<Float>? }, lengths: lengths, keepTrace: keepTrace)
        return traces as! [GRULayerTrace<Scalar>]
    }

    /// Backpropagation through the layers of ``forwardDirections(_:_:initialStates:lengths:)``,
    /// side by side on the fast kernels. The results are those of `backward` on each layer.
    static func backwardDirections(
        _ layers: [GRULayer], _ traces: [GRULayerTrace<Scalar>], outputGradients: [Tensor<Scalar>?],
        finalStateGradients: [Tensor<Scalar>?], inputGradient: Bool
    ) throws -> [GRULayerGradients<Scalar>] {
        guard layers.count > 1, layers.allSatisfy(\.usesFastKernels), traces.allSatisfy(\.fast),
              let fast = layers as? [GRULayer<Float>] else {
            return try layers.indices.map {
                try layers[$0].backward(
                    traces[$0], outputGradient: outputGradients[$0], finalStateGradient: finalStateGradients[$0], inputGradient: inputGradient)
            }
        }
        for k in layers.indices {
            try layers[k].checkBackward(traces[k], outputGradient: outputGradients[k], finalStateGradient: finalStateGradients[k])
        }
        let gradients = GRULayer<Float>.fastBackward(
            fast, traces as! [GRULayerTrace<Float>], outputGradients: outputGradients.map { $0 as! Tensor<Float>? },
            finalStateGradients: finalStateGradients.map { $0 as! Tensor<Float>? }, inputGradient: inputGradient)
        return gradients as! [GRULayerGradients<Scalar>]
    }
}

/// Arrays of `counts[k]` floats that `body` must fill entirely (they are not zeroed first),
/// with `nil` pointers for empty ones.
private func uninitializedArrays(_ counts: [Int], _ body: ([UnsafeMutablePointer<Float>?]) -> Void) -> [[Float]] {
    var pointers: [UnsafeMutablePointer<Float>?] = []
    var arrays: [[Float]] = []
    func make(_ k: Int) {
        guard k < counts.count else { return body(pointers) }
        let array = [Float](unsafeUninitializedCapacity: counts[k]) { buffer, initialized in
            pointers.append(counts[k] > 0 ? buffer.baseAddress : nil)
            make(k + 1)
            initialized = counts[k]
        }
        arrays.append(array)  // innermost first
    }
    make(0)
    return arrays.reversed()
}

/// `body` with pointers to the arrays' elements (`nil` for absent or empty ones).
private func withPointers<T, R>(_ arrays: [[T]?], _ body: ([UnsafePointer<T>?]) throws -> R) rethrows -> R {
    var pointers: [UnsafePointer<T>?] = []
    func visit(_ k: Int) throws -> R {
        guard k < arrays.count else { return try body(pointers) }
        guard let array = arrays[k], !array.isEmpty else {
            pointers.append(nil)
            return try visit(k + 1)
        }
        return try array.withUnsafeBufferPointer { buffer in
            pointers.append(buffer.baseAddress)
            return try visit(k + 1)
        }
    }
    return try visit(0)
}

extension GRULayer where Scalar == Float {
    /// The C description of this layer with the weights at `w` (W_ih, W_hh, b_ih, b_hh), to be
    /// laid out by each forward call.
    func cLayer(steps: Int, batch: Int, lengths: UnsafePointer<Int>?, _ w: ArraySlice<UnsafePointer<Float>?>) -> gru_layer {
        let s = w.startIndex
        return gru_layer(
            T: steps, N: batch, I: inputSize, H: hiddenSize,
            reset_after: convention.reset == .afterMatmul ? 1 : 0,
            z_keeps_old: convention.update == .zKeepsOldState ? 1 : 0,
            reverse: reverse ? 1 : 0, lengths: lengths, w_ih: w[s], w_hh: w[s + 1], b_ih: w[s + 2], b_hh: w[s + 3],
            packed: nil)
    }

    /// The forward pass on the C kernels (inputs already checked). One layer's calls are
    /// spelled out rather than going through ``fastForward(_:_:initialStates:lengths:keepTrace:)``:
    /// for the tiny models, the bookkeeping is a good part of the time.
    func fastRun(_ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?, keepTrace: Bool) -> GRULayerTrace<Float> {
        let (t, n, h) = (input.shape[0], input.shape[1], hiddenSize)
        var output = [Float](unsafeUninitializedCapacity: t * n * h) { _, c in c = t * n * h }
        var last = [Float](unsafeUninitializedCapacity: n * h) { _, c in c = n * h }
        let storage = keepTrace ? traceStorage(threads, floats: FastTraceStorage.floats(rows: t * n, hidden: h)) : nil
        let p = parameters
        p.weightIH.scalars.withUnsafeBufferPointer { wih in
            p.weightHH.scalars.withUnsafeBufferPointer { whh in
                withOptionalPointer(p.biasIH?.scalars) { bih in
                    withOptionalPointer(p.biasHH?.scalars) { bhh in
                        withOptionalPointer(lengths) { lengths in
                            var layer = cLayer(steps: t, batch: n, lengths: lengths, [wih.baseAddress, whh.baseAddress, bih, bhh][...])
                            input.scalars.withUnsafeBufferPointer { x in
                                withOptionalPointer(initialState?.scalars) { h0 in
                                    var trace = storage?.parts(rows: t * n, hidden: h) ?? gru_trace()
                                    let size = gru_forward_workspace(&layer, keepTrace ? 1 : 0)
                                    withUnsafePointer(to: &trace) { trace in
                                        withTeam(threads, scratch: [size]) { team, workspace in
                                            gru_layer_forward(&layer, x.baseAddress, h0, &output, &last, keepTrace ? trace : nil, workspace[0], team)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return GRULayerTrace(
            output: Tensor(unchecked: [t, n, h], scalars: output), finalState: Tensor(unchecked: [n, h], scalars: last),
            input: input, lengths: lengths, previousStates: [], gates: [], slopes: [],
            candidateRecurrent: [], fast: true, storage: storage)
    }

    /// The forward passes of `layers` over one input on the C kernels, side by side
    /// (`gru_layers_forward`), on the first layer's threads (inputs already checked).
    static func fastForward(
        _ layers: [GRULayer<Float>], _ input: Tensor<Float>, initialStates: [Tensor<Float>?], lengths: [Int]?, keepTrace: Bool
    ) -> [GRULayerTrace<Float>] {
        let (t, n) = (input.shape[0], input.shape[1])
        // Per layer: output and final state; the traces go to reusable storage.
        let counts = layers.flatMap { l -> [Int] in [t * n * l.hiddenSize, n * l.hiddenSize] }
        let storages = layers.map { l in
            keepTrace ? traceStorage(l.threads ?? layers[0].threads, floats: FastTraceStorage.floats(rows: t * n, hidden: l.hiddenSize)) : nil
        }
        // Read-only: the input, then per layer W_ih, W_hh, b_ih, b_hh, h0.
        let reads: [[Float]?] = [input.scalars] + zip(layers, initialStates).flatMap { l, h0 -> [[Float]?] in
            [l.parameters.weightIH.scalars, l.parameters.weightHH.scalars, l.parameters.biasIH?.scalars,
             l.parameters.biasHH?.scalars, h0?.scalars]
        }
        let arrays = uninitializedArrays(counts) { out in
            withPointers(reads) { r in
                withOptionalPointer(lengths) { lengths in
                    var cLayers = layers.indices.map { k in layers[k].cLayer(steps: t, batch: n, lengths: lengths, r[(1 + 5 * k)..<(5 + 5 * k)]) }
                    let traces = layers.indices.map { k in storages[k]?.parts(rows: t * n, hidden: layers[k].hiddenSize) ?? gru_trace() }
                    let sizes = cLayers.indices.map { gru_forward_workspace(&cLayers[$0], keepTrace ? 1 : 0) }
                    cLayers.withUnsafeBufferPointer { cl in
                        traces.withUnsafeBufferPointer { tr in
                            withTeam(layers[0].threads, scratch: sizes) { team, workspaces in
                                var calls = layers.indices.map { k in
                                    gru_forward_call(
                                        layer: cl.baseAddress! + k, x: r[0], h0: r[5 + 5 * k], y: out[2 * k], h_n: out[2 * k + 1],
                                        trace: keepTrace ? tr.baseAddress! + k : nil, workspace: workspaces[k])
                                }
                                gru_layers_forward(&calls, Int32(calls.count), team)
                            }
                        }
                    }
                }
            }
        }
        return layers.indices.map { k in
            let h = layers[k].hiddenSize
            return GRULayerTrace(
                output: Tensor(unchecked: [t, n, h], scalars: arrays[2 * k]), finalState: Tensor(unchecked: [n, h], scalars: arrays[2 * k + 1]),
                input: input, lengths: lengths, previousStates: [], gates: [], slopes: [],
                candidateRecurrent: [], fast: true, storage: storages[k])
        }
    }

    /// Backpropagation through time on the C kernels, for a trace from ``fastRun``; spelled
    /// out for one layer, as ``fastRun`` is.
    func fastBackward(
        _ trace: GRULayerTrace<Float>, outputGradient: Tensor<Float>?, finalStateGradient: Tensor<Float>?, inputGradient: Bool
    ) -> GRULayerGradients<Float> {
        let (t, n, h, i) = (trace.output.shape[0], trace.output.shape[1], hiddenSize, inputSize)
        let dx = inputGradient ? t * n * i : 0
        var dInput = [Float](unsafeUninitializedCapacity: dx) { _, c in c = dx }
        var dInitial = [Float](unsafeUninitializedCapacity: n * h) { _, c in c = n * h }
        var dWih = [Float](unsafeUninitializedCapacity: 3 * h * i) { _, c in c = 3 * h * i }
        var dWhh = [Float](unsafeUninitializedCapacity: 3 * h * h) { _, c in c = 3 * h * h }
        let b = parameters.hasBias ? 3 * h : 0
        var dbIH = [Float](unsafeUninitializedCapacity: b) { _, c in c = b }
        var dbHH = [Float](unsafeUninitializedCapacity: b) { _, c in c = b }
        let p = parameters
        p.weightIH.scalars.withUnsafeBufferPointer { wih in
            p.weightHH.scalars.withUnsafeBufferPointer { whh in
                withOptionalPointer(p.biasIH?.scalars) { bih in
                    withOptionalPointer(p.biasHH?.scalars) { bhh in
                        withOptionalPointer(trace.lengths) { lengths in
                            var layer = cLayer(steps: t, batch: n, lengths: lengths, [wih.baseAddress, whh.baseAddress, bih, bhh][...])
                            trace.input.scalars.withUnsafeBufferPointer { x in
                                withOptionalPointer(outputGradient?.scalars) { dy in
                                    withOptionalPointer(finalStateGradient?.scalars) { dhN in
                                        // The backward pass only reads the trace: no copy of it.
                                        var c = trace.storage?.parts(rows: t * n, hidden: h) ?? gru_trace()
                                        dbIH.withUnsafeMutableBufferPointer { dbIH in
                                            dbHH.withUnsafeMutableBufferPointer { dbHH in
                                                let size = gru_backward_workspace(&layer)
                                                withTeam(threads, scratch: [size]) { team, workspace in
                                                    withExtendedLifetime(trace.storage) {
                                                        dInput.withUnsafeMutableBufferPointer { dInput in
                                                            gru_layer_backward(
                                                                &layer, x.baseAddress, &c, dy, dhN, dx > 0 ? dInput.baseAddress : nil,
                                                                &dInitial, &dWih, &dWhh, b > 0 ? dbIH.baseAddress : nil,
                                                                b > 0 ? dbHH.baseAddress : nil, workspace[0], team)
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
                }
            }
        }
        var gradients = p
        gradients.weightIH.scalars = dWih
        gradients.weightHH.scalars = dWhh
        if gradients.biasIH != nil { gradients.biasIH!.scalars = dbIH }
        if gradients.biasHH != nil { gradients.biasHH!.scalars = dbHH }
        return GRULayerGradients(
            parameters: gradients, input: inputGradient ? Tensor(unchecked: [t, n, i], scalars: dInput) : nil,
            initialState: Tensor(unchecked: [n, h], scalars: dInitial))
    }

    /// The backward passes of `layers` on the C kernels, side by side (`gru_layers_backward`),
    /// on the first layer's threads (arguments already checked).
    static func fastBackward(
        _ layers: [GRULayer<Float>], _ traces: [GRULayerTrace<Float>], outputGradients: [Tensor<Float>?],
        finalStateGradients: [Tensor<Float>?], inputGradient: Bool
    ) -> [GRULayerGradients<Float>] {
        let (t, n) = (traces[0].output.shape[0], traces[0].output.shape[1])
        // Per layer: ∂input (empty when not asked for), ∂h0, ∂W_ih, ∂W_hh, ∂b_ih, ∂b_hh (empty
        // without biases).
        let counts = layers.flatMap { l -> [Int] in
            let (h, i, b) = (l.hiddenSize, l.inputSize, l.parameters.hasBias ? 3 * l.hiddenSize : 0)
            return [inputGradient ? t * n * i : 0, n * h, 3 * h * i, 3 * h * h, b, b]
        }
        // Read-only per layer: W_ih, W_hh, b_ih, b_hh, x, dy, dh_n (the traces are in their storages).
        let reads: [[Float]?] = layers.indices.flatMap { k -> [[Float]?] in
            let (p, tr) = (layers[k].parameters, traces[k])
            return [p.weightIH.scalars, p.weightHH.scalars, p.biasIH?.scalars, p.biasHH?.scalars, tr.input.scalars,
                    outputGradients[k]?.scalars, finalStateGradients[k]?.scalars]
        }
        let arrays = uninitializedArrays(counts) { out in
            withPointers(reads) { r in
                withOptionalPointer(traces[0].lengths) { lengths in
                    var cLayers = layers.indices.map { k in layers[k].cLayer(steps: t, batch: n, lengths: lengths, r[(7 * k)..<(7 * k + 4)]) }
                    // The backward pass only reads the trace.
                    let cTraces = layers.indices.map { k in traces[k].storage?.parts(rows: t * n, hidden: layers[k].hiddenSize) ?? gru_trace() }
                    let sizes = cLayers.indices.map { gru_backward_workspace(&cLayers[$0]) }
                    cLayers.withUnsafeBufferPointer { cl in
                        cTraces.withUnsafeBufferPointer { tr in
                            withTeam(layers[0].threads, scratch: sizes) { team, workspaces in
                                var calls = layers.indices.map { k in
                                    gru_backward_call(
                                        layer: cl.baseAddress! + k, x: r[7 * k + 4], trace: tr.baseAddress! + k,
                                        dy: r[7 * k + 5], dh_n: r[7 * k + 6], dx: out[6 * k], dh0: out[6 * k + 1],
                                        dw_ih: out[6 * k + 2], dw_hh: out[6 * k + 3], db_ih: out[6 * k + 4], db_hh: out[6 * k + 5],
                                        workspace: workspaces[k])
                                }
                                withExtendedLifetime(traces) { gru_layers_backward(&calls, Int32(calls.count), team) }
                            }
                        }
                    }
                }
            }
        }
        return layers.indices.map { k in
            let (h, i) = (layers[k].hiddenSize, layers[k].inputSize)
            var gradients = layers[k].parameters
            gradients.weightIH.scalars = arrays[6 * k + 2]
            gradients.weightHH.scalars = arrays[6 * k + 3]
            if gradients.biasIH != nil { gradients.biasIH!.scalars = arrays[6 * k + 4] }
            if gradients.biasHH != nil { gradients.biasHH!.scalars = arrays[6 * k + 5] }
            return GRULayerGradients(
                parameters: gradients, input: inputGradient ? Tensor(unchecked: [t, n, i], scalars: arrays[6 * k]) : nil,
                initialState: Tensor(unchecked: [n, h], scalars: arrays[6 * k + 1]))
        }
    }
}
