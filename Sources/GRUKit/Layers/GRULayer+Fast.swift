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
}

/// The C description of a Float layer, valid inside `body` only.
private func withCLayer<R>(
    _ layer: GRULayer<Float>, steps: Int, batch: Int, lengths: [Int]?, _ body: (UnsafePointer<gru_layer>) throws -> R
) rethrows -> R {
    let p = layer.parameters
    return try p.weightIH.scalars.withUnsafeBufferPointer { wih in
        try p.weightHH.scalars.withUnsafeBufferPointer { whh in
            try withOptionalPointer(p.biasIH?.scalars) { bih in
                try withOptionalPointer(p.biasHH?.scalars) { bhh in
                    try withOptionalPointer(lengths) { lengths in
                        var c = gru_layer(
                            T: steps, N: batch, I: layer.inputSize, H: layer.hiddenSize,
                            reset_after: layer.convention.reset == .afterMatmul ? 1 : 0,
                            z_keeps_old: layer.convention.update == .zKeepsOldState ? 1 : 0,
                            reverse: layer.reverse ? 1 : 0, lengths: lengths,
                            w_ih: wih.baseAddress, w_hh: whh.baseAddress, b_ih: bih, b_hh: bhh)
                        return try body(&c)
                    }
                }
            }
        }
    }
}

/// An array of `count` floats the C kernels will write entirely (not zero-filled first).
private func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// `body` with `count` floats of 64-byte aligned scratch memory.
private func withWorkspace<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.size, alignment: 64)
    defer { raw.deallocate() }
    return try body(raw.bindMemory(to: Float.self, capacity: max(count, 1)))
}

extension GRULayer where Scalar == Float {
    /// The forward pass on the C kernels (inputs already checked).
    func fastRun(_ input: Tensor<Float>, initialState: Tensor<Float>?, lengths: [Int]?, keepTrace: Bool) -> GRULayerTrace<Float> {
        let (t, n, h) = (input.shape[0], input.shape[1], hiddenSize)
        var output = uninitializedFloats(t * n * h)
        var last = uninitializedFloats(n * h)
        var previous = uninitializedFloats(keepTrace ? t * n * h : 0)
        var gates = uninitializedFloats(keepTrace ? t * n * 3 * h : 0)
        var candidate = uninitializedFloats(keepTrace ? t * n * h : 0)
        withCLayer(self, steps: t, batch: n, lengths: lengths) { layer in
            withWorkspace(gru_forward_workspace(layer, keepTrace ? 1 : 0)) { workspace in
                input.scalars.withUnsafeBufferPointer { x in
                    withOptionalPointer(initialState?.scalars) { h0 in
                        previous.withUnsafeMutableBufferPointer { previous in
                            gates.withUnsafeMutableBufferPointer { gates in
                                candidate.withUnsafeMutableBufferPointer { candidate in
                                    var trace = gru_trace(previous: previous.baseAddress, gates: gates.baseAddress, candidate: candidate.baseAddress)
                                    withUnsafePointer(to: &trace) { trace in
                                        withTeam(threads) { team in
                                            gru_layer_forward(layer, x.baseAddress, h0, &output, &last, keepTrace ? trace : nil, workspace, team)
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
            input: input, lengths: lengths, previousStates: previous, gates: gates, slopes: [],
            candidateRecurrent: candidate, fast: true)
    }

    /// Backpropagation through time on the C kernels, for a trace from ``fastRun``.
    func fastBackward(
        _ trace: GRULayerTrace<Float>, outputGradient: Tensor<Float>?, finalStateGradient: Tensor<Float>?
    ) -> GRULayerGradients<Float> {
        let (t, n, h, i) = (trace.output.shape[0], trace.output.shape[1], hiddenSize, inputSize)
        var dInput = uninitializedFloats(t * n * i)
        var dInitial = uninitializedFloats(n * h)
        var gradients = parameters
        gradients.updateTensors { $0.scalars = uninitializedFloats($0.count) }
        withCLayer(self, steps: t, batch: n, lengths: trace.lengths) { layer in
            withWorkspace(gru_backward_workspace(layer)) { workspace in
                trace.input.scalars.withUnsafeBufferPointer { x in
                    withOptionalPointer(outputGradient?.scalars) { dy in
                        withOptionalPointer(finalStateGradient?.scalars) { dhN in
                            // The backward pass only reads the trace: no copy of it (gru_trace's
                            // pointers are mutable for the forward pass, which writes it).
                            trace.previousStates.withUnsafeBufferPointer { previous in
                                trace.gates.withUnsafeBufferPointer { gates in
                                    trace.candidateRecurrent.withUnsafeBufferPointer { candidate in
                                        var c = gru_trace(
                                            previous: UnsafeMutablePointer(mutating: previous.baseAddress),
                                            gates: UnsafeMutablePointer(mutating: gates.baseAddress),
                                            candidate: UnsafeMutablePointer(mutating: candidate.baseAddress))
                                        var dbIH = gradients.biasIH?.scalars, dbHH = gradients.biasHH?.scalars
                                        withOptionalMutablePointer(&dbIH) { dbIH in
                                            withOptionalMutablePointer(&dbHH) { dbHH in
                                                withTeam(threads) { team in
                                                    gru_layer_backward(
                                                        layer, x.baseAddress, &c, dy, dhN, &dInput, &dInitial,
                                                        &gradients.weightIH.scalars, &gradients.weightHH.scalars, dbIH, dbHH, workspace, team)
                                                }
                                            }
                                        }
                                        if let dbIH { gradients.biasIH!.scalars = dbIH }
                                        if let dbHH { gradients.biasHH!.scalars = dbHH }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return GRULayerGradients(
            parameters: gradients, input: Tensor(unchecked: [t, n, i], scalars: dInput),
            initialState: Tensor(unchecked: [n, h], scalars: dInitial))
    }
}

/// `body` with a mutable pointer to the array's elements, or `nil` for no array.
private func withOptionalMutablePointer<T, R>(_ array: inout [T]?, _ body: (UnsafeMutablePointer<T>?) throws -> R) rethrows -> R {
    guard array != nil else { return try body(nil) }
    return try array!.withUnsafeMutableBufferPointer { try body($0.baseAddress) }
}
