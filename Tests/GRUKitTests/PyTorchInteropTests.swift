import Foundation
import GRUKit
import Testing

/// Writes GRU weights saved by GRUKit, with a batch and GRUKit's outputs, for
/// scripts/check_pytorch_interop.py to load into torch.nn.GRU. Runs only when
/// GRUKIT_INTEROP_DIR names a folder.
@Suite struct PyTorchInteropTests {
    static let folder = ProcessInfo.processInfo.environment["GRUKIT_INTEROP_DIR"]

    @Test(.enabled(if: folder != nil, "set GRUKIT_INTEROP_DIR to write files for Python"))
    func writeWeightsForPyTorch() throws {
        let folder = URL(fileURLWithPath: try #require(Self.folder))
        let shapes: [(String, Int, GRUDirection, Bool, Bool)] = [
            ("bare", 1, .forward, true, false), ("deep", 3, .bidirectional, true, true), ("nobias", 2, .forward, false, true),
        ]
        for (name, layers, direction, bias, batchFirst) in shapes {
            var c = GRUConfiguration(inputSize: 3, hiddenSize: 5, layerCount: layers, direction: direction, bias: bias)
            c.batchFirst = batchFirst
            var g = SeededGenerator(seed: UInt64(layers))
            let gru = try GRU<Float>(c, using: &g)
            try gru.savePyTorchWeights(to: folder.appendingPathComponent("\(name)_weights.safetensors"))
            let x = try Tensor<Float>.uniform(shape: [4, 2, 3], in: -1...1, using: &g)
            let (y, h) = try gru(x)
            var batch = SafeTensorsWriter(metadata: [
                "layers": "\(layers)", "bidirectional": "\(direction == .bidirectional)", "bias": "\(bias)", "batch_first": "\(batchFirst)",
            ])
            try batch.add("input", x)
            try batch.add("output", y)
            try batch.add("h_n", h)
            try batch.write(to: folder.appendingPathComponent("\(name)_batch.safetensors"))
        }
    }
}
