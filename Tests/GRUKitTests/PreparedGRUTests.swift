import GRUKit
import Testing

/// ``PreparedGRU`` and ``PreparedGRUModel``: the outputs and errors of the stack or model they
/// were made from, bit for bit, in every convention, layout and thread count; a snapshot of the
/// weights; stacks off the fast kernels run as they are. (Against PyTorch: PyTorchStackParityTests.)
@Suite struct PreparedGRUTests {
    struct Case: CustomStringConvertible {
        let layers: Int, bidirectional: Bool, convention: GRUConvention
        let h: Int, n: Int, batchFirst: Bool, bias: Bool, h0: Bool, lengths: Bool
        var description: String {
            "L\(layers)\(bidirectional ? " bi" : "") \(convention) H\(h) N\(n)\(batchFirst ? " batch-first" : "")"
                + "\(bias ? "" : " no-bias")\(h0 ? " h0" : "")\(lengths ? " lengths" : "")"
        }
    }

    /// Sizes around the fused step's 16-unit groups (one group and one row take their own path).
    static let cases: [Case] = {
        var cases: [Case] = []
        var k = 0
        for layers in [1, 2] {
            for bidirectional in [false, true] {
                for convention in GRUConvention.allCases {
                    for (h, n) in [(1, 1), (16, 1), (17, 3), (16, 5)] {
                        cases.append(Case(layers: layers, bidirectional: bidirectional, convention: convention, h: h, n: n,
                                          batchFirst: k % 3 == 1, bias: k % 4 != 3, h0: k % 2 == 0, lengths: k % 5 < 2))
                        k += 1
                    }
                }
            }
        }
        return cases
    }()

    func stack(_ c: Case, seed: UInt64) throws -> GRU<Float> {
        var g = SeededGenerator(seed: seed)
        var config = GRUConfiguration(inputSize: 3, hiddenSize: c.h, layerCount: c.layers,
                                      direction: c.bidirectional ? .bidirectional : .forward, bias: c.bias)
        config.convention = c.convention
        config.batchFirst = c.batchFirst
        return try GRU<Float>(config, using: &g)
    }

    /// Input, initial state and lengths for `gru` (T = 5).
    func batch<S: GRUScalar>(_ gru: GRU<S>, n: Int, h0: Bool, lengths: Bool, seed: UInt64) throws -> (Tensor<S>, Tensor<S>?, [Int]?) {
        let c = gru.configuration
        var g = SeededGenerator(seed: seed)
        let x = try Tensor<S>.uniform(shape: c.batchFirst ? [n, 5, c.inputSize] : [5, n, c.inputSize], in: -1...1, using: &g)
        let state = try Tensor<S>.uniform(shape: [c.layerCount * c.directionCount, n, c.hiddenSize], in: -0.5...0.5, using: &g)
        return (x, h0 ? state : nil, lengths ? (0..<n).map { [5, 2, 0, 4, 1][$0 % 5] } : nil)
    }

    @Test(arguments: [1, 2])
    func outputsAreTheStacksBitForBit(threads: Int) throws {
        let team = threads > 1 ? try ComputeThreads(threads) : nil
        for (k, c) in Self.cases.enumerated() {
            var gru = try stack(c, seed: UInt64(k))
            gru.threads = team
            let (x, h0, lengths) = try batch(gru, n: c.n, h0: c.h0, lengths: c.lengths, seed: UInt64(100 + k))
            let expected = try gru(x, initialState: h0, lengths: lengths)
            let frozen = try gru.prepared()
            let actual = try frozen(x, initialState: h0, lengths: lengths)
            #expect(actual.output == expected.output, "\(c): output")
            #expect(actual.finalState == expected.finalState, "\(c): final state")
            // Again: nothing of one call stays behind in the next.
            #expect(try frozen(x, initialState: h0, lengths: lengths).output == expected.output, "\(c): second call")
        }
    }

    @Test(arguments: Readout.allCases)
    func logitsAreTheModelsBitForBit(readout: Readout) throws {
        for (k, c) in Self.cases.enumerated() {
            var g = SeededGenerator(seed: UInt64(k))
            let config = try stack(c, seed: 0).configuration
            let model = try GRUModel<Float>(configuration: config, outputSize: 1 + k % 3, readout: readout, using: &g)
            let (x, h0, lengths) = try batch(model.gru, n: c.n, h0: c.h0, lengths: c.lengths, seed: UInt64(k))
            let expected = try model.logits(x, initialState: h0, lengths: lengths)
            #expect(try model.prepared().logits(x, initialState: h0, lengths: lengths) == expected, "\(c) \(readout)")
        }
    }

    /// A stream's steps (one-step sequences on the prepared stack) give the sequence's bits, in
    /// either layout.
    @Test(arguments: [false, true])
    func streamStepsAreTheSequencesBitForBit(batchFirst: Bool) throws {
        for convention in GRUConvention.allCases {
            let gru = try stack(Case(layers: 2, bidirectional: false, convention: convention, h: 17, n: 2,
                                     batchFirst: batchFirst, bias: true, h0: true, lengths: false), seed: 4)
            let (x, h0, _) = try batch(gru, n: 2, h0: true, lengths: false, seed: 5)
            let (output, last) = try gru(x, initialState: h0)
            // Time-major views of the input and output.
            let (xt, yt) = batchFirst ? (x.swappingFirstTwoAxes(), output.swappingFirstTwoAxes()) : (x, output)
            var stream = try GRUStream(gru, batchSize: 2, initialState: h0)
            for t in 0..<5 {
                #expect(try stream.step(xt.slice(at: t)) == yt.slice(at: t), "\(convention) step \(t)")
            }
            #expect(stream.state == last, "\(convention) state")
        }
    }

    @Test func theWeightsAreASnapshot() throws {
        var g = SeededGenerator(seed: 3)
        var model = try GRUModel<Float>(inputSize: 2, hiddenSize: 16, outputSize: 1, using: &g)
        let x = try Tensor<Float>.uniform(shape: [16, 1, 2], in: -1...1, using: &g)
        let frozen = try model.prepared()
        let before = try model.logits(x)
        model.parameters.updateTensors { t in t.scalars = t.scalars.map { $0 * 0.5 } }
        #expect(try model.logits(x) != before)
        #expect(try frozen.logits(x) == before)
        #expect(try model.prepared().logits(x) == model.logits(x))
    }

    /// The stack's own checks, with its words: a bad call fails the same way prepared or not.
    @Test func badInputFailsAsTheStackDoes() throws {
        let gru = try stack(Case(layers: 2, bidirectional: true, convention: .pytorch, h: 4, n: 2, batchFirst: false,
                                 bias: true, h0: true, lengths: true), seed: 1)
        let frozen = try gru.prepared()
        let good = try Tensor<Float>(shape: [3, 2, 3], scalars: (0..<18).map { Float($0) / 18 })
        var nonFinite = good
        nonFinite.scalars[7] = .nan
        let calls: [(String, Tensor<Float>, Tensor<Float>?, [Int]?)] = [
            ("input width", try Tensor(shape: [3, 2, 4], scalars: .init(repeating: 0, count: 24)), nil, nil),
            ("input rank", try Tensor(shape: [6, 3], scalars: .init(repeating: 0, count: 18)), nil, nil),
            ("no steps", try Tensor(shape: [0, 2, 3], scalars: []), nil, nil),
            ("no sequences", try Tensor(shape: [3, 0, 3], scalars: []), nil, nil),
            ("NaN input", nonFinite, nil, nil),
            ("initial state shape", good, try Tensor(shape: [2, 2, 4], scalars: .init(repeating: 0, count: 16)), nil),
            ("NaN initial state", good, try Tensor(shape: [4, 2, 4], scalars: .init(repeating: .infinity, count: 32)), nil),
            ("lengths count", good, nil, [3]),
            ("length past T", good, nil, [3, 4]),
            ("negative length", good, nil, [-1, 2]),
        ]
        for (what, x, h0, lengths) in calls {
            let expected = #expect(throws: GRUKitError.self, "\(what): the stack") { try gru(x, initialState: h0, lengths: lengths) }
            let actual = #expect(throws: GRUKitError.self, "\(what): prepared") { try frozen(x, initialState: h0, lengths: lengths) }
            #expect(actual == expected, "\(what)")
        }
    }

    @Test func badWeightsFailAtPreparation() throws {
        var g = SeededGenerator(seed: 5)
        var gru = try GRU<Float>(GRUConfiguration(inputSize: 3, hiddenSize: 4), using: &g)
        gru.parameters.layers[0].weightHH = try Tensor(shape: [12, 3], scalars: .init(repeating: 0, count: 36))
        #expect(throws: GRUKitError.self) { try gru.prepared() }
        // Rank 1: an error, not a trap reading its sizes (here and in GRU's own init).
        gru.parameters.layers[0].weightHH = try Tensor(shape: [48], scalars: .init(repeating: 0, count: 48))
        #expect(throws: GRUKitError.shapeMismatch(tensor: "weight_hh_l0", expected: "(3H, H) = [12, 4]", actual: [48])) {
            try gru.prepared()
        }
        #expect(throws: GRUKitError.self) { try GRU(gru.configuration, parameters: gru.parameters) }
        var model = try GRUModel<Float>(inputSize: 3, hiddenSize: 4, outputSize: 2, using: &g)
        model.parameters.head.weight = try Tensor(shape: [2, 5], scalars: .init(repeating: 0, count: 10))
        #expect(throws: GRUKitError.self) { try model.prepared() }
        model.parameters.head.weight = try Tensor(shape: [8], scalars: .init(repeating: 0, count: 8))
        #expect(throws: GRUKitError.self) { try model.prepared() }
    }

    /// Double, ONNX activations and a clip are not the fast kernels' work: they run as they are.
    @Test func stacksOffTheFastKernelsRunAsTheyAre() throws {
        var g = SeededGenerator(seed: 9)
        let double = try GRU<Double>(GRUConfiguration(inputSize: 3, hiddenSize: 5, direction: .bidirectional), using: &g)
        let (x, h0, lengths) = try batch(double, n: 3, h0: true, lengths: true, seed: 1)
        #expect(try double.prepared()(x, initialState: h0, lengths: lengths).output == double(x, initialState: h0, lengths: lengths).output)
        var config = GRUConfiguration(inputSize: 3, hiddenSize: 5)
        config.activations = [GRUActivations(gate: .hardSigmoid(), candidate: .tanh)]
        let onnx = try GRU<Float>(config, using: &g)
        config.activations = [.standard]
        config.clip = 0.5
        let clipped = try GRU<Float>(config, using: &g)
        for gru in [onnx, clipped] {
            let (x, _, _) = try batch(gru, n: 2, h0: false, lengths: false, seed: 2)
            #expect(try gru.prepared()(x).output == gru(x).output)
        }
    }
}
