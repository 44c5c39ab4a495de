import Foundation
import GRUKit
import Testing

/// torch.nn.GRU over the grid layers {1, 2, 3} × bidirectional × batch_first × bias × h0 ×
/// lengths (scripts/make_pytorch_stack_fixtures.py): each case's weights are loaded from the
/// state_dict keys the fixture file holds, as a user's PyTorch weights would be. Outputs must
/// match within 1e-5 (forward and prepared), every gradient within 1e-4 relative (to the
/// tensor's largest element).
@Suite struct PyTorchStackParityTests {
    struct CaseConfig: Decodable {
        let key: String
        let layers: Int
        let bidirectional: Bool
        let batch_first: Bool
        let bias: Bool
        let h0: Bool
        let lengths: Bool
    }

    @Test(arguments: [false, true])
    func matchesPyTorch(double: Bool) throws {
        if double { try check(Double.self) } else { try check(Float.self) }
    }

    func check<S: GRUScalar>(_: S.Type) throws {
        let file = try SafeTensorsFile(contentsOf: fixturesFolder.appendingPathComponent("pytorch_stack.safetensors"))
        let cases = try JSONDecoder().decode([CaseConfig].self, from: Data(try #require(file.metadata["cases"]).utf8))
        #expect(cases.count == 96)
        var outputs = WorstDifference<S>(), gradients = WorstDifference<S>()
        for c in cases {
            let name = "\(c.layers) layer(s)\(c.bidirectional ? " bidirectional" : "")\(c.batch_first ? " batch-first" : "")"
                + "\(c.bias ? "" : " no-bias")\(c.h0 ? " h0" : "")\(c.lengths ? " lengths" : "")"
            let p = c.key + "/"
            let gru = try GRU<S>(pytorch: file, prefix: p + "gru.", batchFirst: c.batch_first)
            #expect(gru.configuration.layerCount == c.layers)
            #expect(gru.configuration.direction == (c.bidirectional ? .bidirectional : .forward))
            #expect(gru.configuration.bias == c.bias)
            let input: Tensor<S> = try file.tensor(p + "input")
            let h0: Tensor<S>? = c.h0 ? try file.tensor(p + "h0") : nil
            let lengths = c.lengths ? try file.integers(p + "lengths").values : nil
            let trace = try gru.forward(input, initialState: h0, lengths: lengths)
            let frozen = try gru.prepared()(input, initialState: h0, lengths: lengths)
            for (what, actual) in [("output", trace.output), ("h_n", trace.finalState),
                                   ("output", frozen.output), ("h_n", frozen.finalState)] {
                let d = expectClose(actual, try file.tensor(p + what), tolerance: 1e-5, "\(name): \(what)")
                outputs.record(d, "\(name): \(what)")
            }
            let g = try gru.backward(trace, outputGradient: file.tensor(p + "d_output"), finalStateGradient: file.tensor(p + "d_h_n"))
            var pairs = g.parameters.namedTensors.map { ("grad." + $0.name, $0.tensor) }
            pairs += [("grad.input", g.input!), ("grad.h0", g.initialState)]
            for (key, actual) in pairs {
                let expected: Tensor<S> = try file.tensor(p + key)
                let scale = max(expected.scalars.map { abs($0) }.max() ?? 0, 1e-3)
                let relative = actual.maxAbsDifference(from: expected) / scale
                #expect(relative <= 1e-4, "\(name): \(key) relative difference \(relative)")
                gradients.record(relative, "\(name): \(key)")
            }
        }
        print(outputs.summary("PyTorch stack parity in \(S.self), outputs"))
        print(gradients.summary("PyTorch stack parity in \(S.self), gradients (relative)"))
    }
}
