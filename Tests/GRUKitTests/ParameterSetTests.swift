import GRUKit
import Testing

/// The two ways a ParameterSet lists its tensors (named key paths for I/O, direct visitors for
/// training loops) must agree, in order and content, for every conformer.
@Suite struct ParameterSetTests {
    func expectConsistent<P: ParameterSet>(_ set: P, _ what: String) {
        let named = set.parameterPaths.map { set[keyPath: $0.keyPath] }
        #expect(named == set.tensors, "\(what): visitTensors order differs from parameterPaths")
        var mutated = set
        var k: P.Scalar = 1
        mutated.updateTensors { tensor in
            tensor.scalars = tensor.scalars.map { _ in k }
            k += 1
        }
        let values = mutated.parameterPaths.map { mutated[keyPath: $0.keyPath].scalars.first }
        #expect(values == (1...values.count).map { P.Scalar($0) }, "\(what): updateTensors order differs from parameterPaths")
        #expect(set.zeroed().tensors.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        #expect(set.parameterCount == named.reduce(0) { $0 + $1.count })
    }

    @Test func everyConformerAgrees() throws {
        var g = SeededGenerator(seed: 1)
        for (bias, direction) in [(true, GRUDirection.bidirectional), (false, .forward)] {
            let config = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, direction: direction, bias: bias)
            let model = try GRUModel<Double>(configuration: config, outputSize: 2, using: &g)
            expectConsistent(model.parameters, "GRUModelParameters bias \(bias)")
            expectConsistent(model.parameters.gru, "GRUStackParameters bias \(bias)")
            expectConsistent(model.parameters.gru.layers[0], "GRUParameters bias \(bias)")
            expectConsistent(model.parameters.head, "LinearParameters")
        }
        expectConsistent(try LinearParameters<Float>(weight: Tensor(zeros: [2, 3]), bias: nil), "LinearParameters without bias")
    }

    @Test func addScalesEveryTensor() throws {
        var g = SeededGenerator(seed: 2)
        let p = try GRUParameters<Double>.pytorchDefault(inputSize: 2, hiddenSize: 3, using: &g)
        var q = p
        q.add(p, scaledBy: -2)
        for (a, b) in zip(q.tensors, p.tensors) { #expect(a.scalars == b.scalars.map { -$0 }) }
    }
}
