import CGRUKernels

/// The weights and biases of a reset-after GRU layer packed for the fused step kernel
/// (`gru_step` in CGRUKernels): W_ihᵀ and W_hhᵀ with their columns ordered by group of 16 hidden
/// units, gates r, z, n within a group, so one tile of the products holds all three gates of
/// its units; and the biases the step adds (b_ir + b_hr, b_iz + b_hz, b_in, b_hn). The layer
/// forward packs its own each call; this type is for tests and benchmarks of the step alone.
final class FusedStepWeights: @unchecked Sendable {  // `storage` is written only in `init`.
    /// I and H.
    let inputSize: Int, hiddenSize: Int
    fileprivate let storage: UnsafeMutablePointer<Float>

    /// Packs W_ih (3H, I), W_hh (3H, H) and the biases (`nil`: zero).
    init(weightIH: [Float], weightHH: [Float], biasIH: [Float]?, biasHH: [Float]?, inputSize: Int, hiddenSize: Int) {
        precondition(inputSize >= 1 && hiddenSize >= 1, "sizes must be ≥ 1")
        precondition(weightIH.count == 3 * hiddenSize * inputSize && weightHH.count == 3 * hiddenSize * hiddenSize, "weight shapes")
        precondition((biasIH?.count ?? 3 * hiddenSize) == 3 * hiddenSize && (biasHH?.count ?? 3 * hiddenSize) == 3 * hiddenSize, "bias shapes")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let floats = gru_step_packed_floats(inputSize, hiddenSize)
        storage = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64).bindMemory(to: Float.self, capacity: floats)
        weightIH.withUnsafeBufferPointer { wih in
            weightHH.withUnsafeBufferPointer { whh in
                withOptionalPointer(biasIH) { bih in
                    withOptionalPointer(biasHH) { bhh in
                        gru_step_pack(inputSize, hiddenSize, wih.baseAddress, whh.baseAddress, bih, bhh, storage)
                    }
                }
            }
        }
    }

    /// The number of 16-unit groups, ⌈H / 16⌉.
    var groupCount: Int { (hiddenSize + 15) / 16 }

    /// x W_ihᵀ for the rows of x (rows, I), (rows, 48 G) in the step's column order, on
    /// `kernels`: what a layer computes for all steps at once when the step should not
    /// (`gru_step_input`, with the active implementation).
    func inputProjection(_ x: [Float], rows: Int, on kernels: FastKernels) -> [Float] {
        precondition(x.count == rows * inputSize, "x shape")
        let width = 48 * groupCount
        return [Float](unsafeUninitializedCapacity: rows * width) { gi, initialized in
            x.withUnsafeBufferPointer { x in
                // The packed W_ihᵀ (at the start of the storage) is op(B) (I, 48 G) in the packed-B layout.
                kernels.table.pointee.sgemm_packed_cols(rows, width, inputSize, x.baseAddress, inputSize, storage, 0, width, 0, gi.baseAddress, width)
            }
            initialized = rows * width
        }
    }

    deinit {
        storage.deallocate()
    }
}

/// What one fused step writes: the state after it, the output, and the trace parts.
struct FusedStepResult: Equatable {
    /// (N, H) each.
    var next: [Float], output: [Float]
    /// (N, 3H) r, z, n; (N, H) W_hn h + b_hn; (N, H) the state entering.
    var gates: [Float], candidate: [Float], previous: [Float]
}

extension FastKernels {
    /// One step of a reset-after GRU layer (σ, tanh) on this implementation: every row, the
    /// unit groups in `groups` (all by default), computed into `result` (other units untouched).
    ///
    /// - Parameters:
    ///   - x: (N, I) the step's input; `h`: (N, H) the state entering.
    ///   - keepsOld: z keeps the old state (PyTorch) or takes the new one.
    ///   - lengths, time: row b is valid while `time < lengths[b]` (always without lengths).
    ///   - gi: x W_ihᵀ from ``FusedStepWeights/inputProjection(_:rows:on:)``, used instead of x.
    func fusedStep(
        _ w: FusedStepWeights, batch n: Int, x: [Float], h: [Float], keepsOld: Bool, lengths: [Int]?, time: Int,
        groups: Range<Int>? = nil, inputProjection gi: [Float]? = nil, into result: inout FusedStepResult
    ) {
        let (i, hs) = (w.inputSize, w.hiddenSize)
        precondition(x.count == n * i && h.count == n * hs && (lengths?.count ?? n) == n, "step operand shapes")
        precondition(result.next.count == n * hs && result.output.count == n * hs && result.gates.count == 3 * n * hs
                     && result.candidate.count == n * hs && result.previous.count == n * hs, "step result shapes")
        let groups = groups ?? 0..<w.groupCount
        x.withUnsafeBufferPointer { x in
            h.withUnsafeBufferPointer { h in
                withOptionalPointer(lengths) { lengths in
                  withOptionalPointer(gi) { gi in
                    result.next.withUnsafeMutableBufferPointer { next in
                        result.output.withUnsafeMutableBufferPointer { y in
                            result.gates.withUnsafeMutableBufferPointer { gates in
                                result.candidate.withUnsafeMutableBufferPointer { candidate in
                                    result.previous.withUnsafeMutableBufferPointer { previous in
                                        var args = gru_step_args(
                                            N: n, I: i, H: hs, z_keeps_old: keepsOld ? 1 : 0, packed: w.storage,
                                            x: x.baseAddress, gi: gi, ldgi: 48 * w.groupCount, h: h.baseAddress,
                                            lengths: lengths, t: time,
                                            next: next.baseAddress, y: y.baseAddress, gates: gates.baseAddress,
                                            candidate: candidate.baseAddress, previous: previous.baseAddress)
                                        table.pointee.step(&args, groups.lowerBound, groups.upperBound)
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

extension FastKernels {
    /// A whole sequence of a layer with N = 1 and H = 16 on `x` (T, I), no trace, in
    /// processing order (t descending when `reverse`): by `gru_steps_row` (one loop), or with
    /// `stepwise` by T calls of the step — which must agree bit for bit. With `gi` ((T, 48),
    /// step t's row t) the input side comes precomputed; without, each computes it from `x`.
    /// Returns the final state (16) and the outputs (T, 16).
    func rowSequence(
        _ w: FusedStepWeights, x: [Float], gi: [Float]?, steps t: Int, h0: [Float], keepsOld: Bool, length: Int?,
        reverse: Bool, stepwise: Bool
    ) -> (final: [Float], outputs: [Float]) {
        precondition(w.hiddenSize == 16 && x.count == t * w.inputSize && (gi?.count ?? t * 48) == t * 48 && h0.count == 16,
                     "row sequence shapes")
        var state = h0, next = h0
        var outputs = [Float](repeating: .nan, count: t * 16)
        let lengths = length.map { [$0] }
        x.withUnsafeBufferPointer { x in
          withOptionalPointer(gi) { gi in
            withOptionalPointer(lengths) { lengths in
                outputs.withUnsafeMutableBufferPointer { y in
                    var args = gru_step_args(
                        N: 1, I: w.inputSize, H: 16, z_keeps_old: keepsOld ? 1 : 0, packed: w.storage, x: x.baseAddress,
                        gi: gi, ldgi: 48, h: nil, lengths: lengths, t: 0, next: nil, y: y.baseAddress,
                        gates: nil, candidate: nil, previous: nil)
                    guard stepwise else {
                        state.withUnsafeMutableBufferPointer { h in table.pointee.steps_row(&args, t, reverse ? 1 : 0, h.baseAddress) }
                        return
                    }
                    for s in 0..<t {
                        let step = reverse ? t - 1 - s : s
                        state.withUnsafeBufferPointer { h in
                            next.withUnsafeMutableBufferPointer { next in
                                (args.t, args.y, args.h, args.next) = (step, y.baseAddress! + step * 16, h.baseAddress, next.baseAddress)
                                (args.x, args.gi) = (x.baseAddress.map { $0 + step * w.inputSize }, gi.map { $0 + step * 48 })
                                table.pointee.step(&args, 0, 1)
                            }
                        }
                        swap(&state, &next)
                    }
                }
            }
          }
        }
        return (state, outputs)
    }
}

/// `body` with a pointer to the array's elements, or `nil` for no array.
func withOptionalPointer<T, R>(_ array: [T]?, _ body: (UnsafePointer<T>?) throws -> R) rethrows -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBufferPointer { try body($0.baseAddress) }
}
