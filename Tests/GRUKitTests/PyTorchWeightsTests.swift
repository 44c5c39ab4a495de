import Foundation
import GRUKit
import Testing

/// Loading and saving torch.nn.GRU state_dicts: inference of the configuration, and a clear
/// error for every way a file can be wrong.
@Suite struct PyTorchWeightsTests {
    /// A state_dict of a GRU with the given shape, under `prefix`, plus `extra` tensors.
    func file(
        layers: Int = 2, bidirectional: Bool = true, bias: Bool = true, prefix: String = "gru.",
        edit: (inout [String: Tensor<Float>]) -> Void = { _ in }
    ) throws -> SafeTensorsFile {
        var c = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: layers, direction: bidirectional ? .bidirectional : .forward, bias: bias)
        c.batchFirst = false
        var g = SeededGenerator(seed: 1)
        let gru = try GRU<Float>(c, using: &g)
        var tensors = Dictionary(uniqueKeysWithValues: gru.parameters.namedTensors.map { (prefix + $0.name, $0.tensor) })
        tensors["head.weight"] = try Tensor(zeros: [2, 8])
        edit(&tensors)
        var writer = SafeTensorsWriter()
        for (name, t) in tensors { try writer.add(name, t) }
        return try SafeTensorsFile(data: writer.serialized(), name: "w.safetensors")
    }

    @Test func infersTheConfiguration() throws {
        for (layers, bidirectional, bias) in [(1, false, true), (2, true, false), (3, true, true)] {
            let gru = try GRU<Float>(pytorch: file(layers: layers, bidirectional: bidirectional, bias: bias))
            #expect(gru.configuration.inputSize == 3)
            #expect(gru.configuration.hiddenSize == 4)
            #expect(gru.configuration.layerCount == layers)
            #expect(gru.configuration.direction == (bidirectional ? .bidirectional : .forward))
            #expect(gru.configuration.bias == bias)
        }
        #expect(try PyTorchGRUWeights.detectPrefix(in: file(prefix: "encoder.rnn.")) == "encoder.rnn.")
        #expect(try PyTorchGRUWeights.detectPrefix(in: file(prefix: "")) == "")
    }

    /// Saving writes PyTorch's keys; loading them back gives the same GRU.
    @Test func savesWhatItLoads() throws {
        var g = SeededGenerator(seed: 2)
        let gru = try GRU<Float>(GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, direction: .bidirectional), using: &g)
        var writer = SafeTensorsWriter()
        try gru.addPyTorchWeights(to: &writer, prefix: "gru.")
        #expect(writer.names == [
            "gru.bias_hh_l0", "gru.bias_hh_l0_reverse", "gru.bias_hh_l1", "gru.bias_hh_l1_reverse",
            "gru.bias_ih_l0", "gru.bias_ih_l0_reverse", "gru.bias_ih_l1", "gru.bias_ih_l1_reverse",
            "gru.weight_hh_l0", "gru.weight_hh_l0_reverse", "gru.weight_hh_l1", "gru.weight_hh_l1_reverse",
            "gru.weight_ih_l0", "gru.weight_ih_l0_reverse", "gru.weight_ih_l1", "gru.weight_ih_l1_reverse",
        ])
        let back = try GRU<Float>(pytorch: SafeTensorsFile(data: writer.serialized(), name: "roundtrip"))
        #expect(back.parameters == gru.parameters)
        #expect(back.configuration == gru.configuration)
    }

    func expectError(_ problem: String, key: String?, prefix: String? = nil, _ make: () throws -> SafeTensorsFile) {
        #expect(throws: GRUKitError.invalidWeights(file: "w.safetensors", key: key, problem: problem)) {
            try GRU<Float>(pytorch: make(), prefix: prefix)
        }
    }

    @Test func everyInconsistencyIsNamed() throws {
        expectError("missing: the other keys describe a 2-layer bidirectional GRU with biases", key: "gru.bias_hh_l1_reverse") {
            try file { $0["gru.bias_hh_l1_reverse"] = nil }
        }
        expectError("missing: the other keys describe a 2-layer bidirectional GRU with biases", key: "gru.weight_ih_l1_reverse") {
            try file { $0["gru.weight_ih_l1_reverse"] = nil }
        }
        expectError("expected shape [12, 8] for input size 3 and hidden size 4, got [12, 4]", key: "gru.weight_ih_l1") {
            try file { $0["gru.weight_ih_l1"] = try! Tensor(zeros: [12, 4]) }
        }
        expectError("expected shape [12] for input size 3 and hidden size 4, got [13]", key: "gru.bias_ih_l0") {
            try file { $0["gru.bias_ih_l0"] = try! Tensor(zeros: [13]) }
        }
        expectError("expected shape (3H, H), got [12, 5]", key: "gru.weight_hh_l0") {
            try file { $0["gru.weight_hh_l0"] = try! Tensor(zeros: [12, 5]) }
        }
        // A stray layer 3 without a layer 2: the layers are counted from 0, so l3 is unexpected.
        expectError("unexpected for a 2-layer bidirectional GRU with biases (expected keys like weight_ih_l0_reverse)", key: "gru.weight_ih_l3") {
            try file { $0["gru.weight_ih_l3"] = try! Tensor(zeros: [12, 8]) }
        }
        // A lone bias_ih: biases are meant, so bias_hh is missing.
        expectError("missing: the other keys describe a 1-layer GRU with biases", key: "gru.bias_hh_l0") {
            try file(layers: 1, bidirectional: false, bias: false) { $0["gru.bias_ih_l0"] = try! Tensor(zeros: [12]) }
        }
        expectError("holds a value that is not finite (weight_hh_l1: element [0, 1] is nan; every element must be finite)", key: "gru.weight_hh_l1") {
            try file { $0["gru.weight_hh_l1"]![0, 1] = .nan }
        }
        expectError("missing: a torch.nn.GRU state_dict has weight_ih_l0 and weight_hh_l0", key: "gru.weight_hh_l0", prefix: "gru.") {
            try file { $0["gru.weight_hh_l0"] = nil }
        }
        expectError("several GRUs (prefixes 'a.', 'gru.'): choose one with a prefix", key: nil) {
            try file { $0["a.weight_ih_l0"] = try! Tensor(zeros: [12, 3]) }
        }
        expectError("no torch.nn.GRU weights: no key ends in weight_ih_l0 (keys: head.weight)", key: nil) {
            try file(layers: 1, bidirectional: false) { d in d = d.filter { $0.key.hasPrefix("head.") } }
        }
    }

    /// Regression: a length of zero is refused with PyTorch's reason; T′ = max(lengths).
    @Test func packedSequenceSemantics() throws {
        let gru = try GRU<Float>(pytorch: file(layers: 1, bidirectional: true))
        var g = SeededGenerator(seed: 3)
        let x = try Tensor<Float>.uniform(shape: [6, 3, 3], in: -1...1, using: &g)
        #expect(throws: GRUKitError.invalidValue(
            option: "lengths[1]", value: "0", expected: "a length in 1...6, the input's T (PyTorch cannot pack an empty sequence)")) {
            try gru.packedSequence(x, initialState: nil, lengths: [2, 0, 3])
        }
        let (out, last) = try gru.packedSequence(x, initialState: nil, lengths: [2, 4, 3])
        let (full, fullLast) = try gru(x, lengths: [2, 4, 3])
        #expect(out.shape == [4, 3, 8])
        #expect(out.scalars == Array(full.scalars[..<(4 * 3 * 8)]))
        #expect(last == fullLast)
    }
}
