import Foundation
import GRUKit
import Testing

/// GRUKit model files: weights under PyTorch module names plus `grukit.model` metadata.
@Suite struct GRUModelFileTests {
    func model(seed: UInt64 = 1) throws -> GRUModel<Float> {
        var c = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, direction: .bidirectional)
        c.convention = .seedTexts
        c.batchFirst = true
        var g = SeededGenerator(seed: seed)
        return try GRUModel(configuration: c, outputSize: 2, readout: .lastStep, using: &g)
    }

    /// What is saved loads back as the same model: weights, convention, readout, layout, logits.
    @Test func savesWhatItLoads() throws {
        let original = try model()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grukit-model-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try original.save(to: url)
        let loaded = try GRUModel<Float>(contentsOf: url)
        #expect(loaded.parameters == original.parameters)
        #expect(loaded.configuration == original.configuration)
        #expect(loaded.readout == .lastStep)
        var g = SeededGenerator(seed: 3)
        let x = try Tensor<Float>.uniform(shape: [2, 5, 3], in: -1...1, using: &g)
        #expect(try loaded.logits(x) == original.logits(x))
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names.sorted() == original.parameters.namedTensors.map(\.name).sorted())
        #expect(file.metadata[GRUModelMetadata.key]
                == #"{"batch_first":true,"convention":{"reset":"before","update":"takes-new"},"readout":"last-step"}"#)
    }

    /// A PyTorch module's state_dict (no metadata) loads with the caller's settings, and
    /// tensors under other prefixes are ignored.
    @Test func plainStateDictUsesTheDefaults() throws {
        var writer = SafeTensorsWriter()
        try model().addModel(to: &writer)
        writer.metadata = [:]
        try writer.add("optimizer.exp_avg.head.bias", Tensor<Float>(zeros: [2]))
        let file = try SafeTensorsFile(data: writer.serialized(), name: "m.safetensors")
        let loaded = try GRUModel<Float>(file: file)
        #expect(loaded.configuration.convention == .pytorch)
        #expect(loaded.readout == .everyStep)
        #expect(loaded.configuration.batchFirst == false)
        #expect(loaded.parameters == (try model()).parameters)
        let chosen = try GRUModel<Float>(file: file, defaults: GRUModelMetadata(convention: .onnxDefault, readout: .lastStep, batchFirst: true))
        #expect(chosen.metadata == GRUModelMetadata(convention: .onnxDefault, readout: .lastStep, batchFirst: true))
    }

    /// Every way the head or the metadata can be wrong is named.
    @Test func badFilesAreNamed() throws {
        func file(_ edit: (inout SafeTensorsWriter) throws -> Void) throws -> SafeTensorsFile {
            var writer = SafeTensorsWriter()
            for (name, t) in try model().parameters.namedTensors where name.hasPrefix("gru.") { try writer.add(name, t) }
            try edit(&writer)
            return try SafeTensorsFile(data: writer.serialized(), name: "m.safetensors")
        }
        #expect(throws: GRUKitError.invalidWeights(
            file: "m.safetensors", key: "head.weight",
            problem: "missing: a model file holds the linear head's head.weight (O, D·H) beside the GRU")) {
            try GRUModel<Float>(file: file { _ in })
        }
        #expect(throws: GRUKitError.invalidWeights(
            file: "m.safetensors", key: "head.weight", problem: "expected shape (O, D·H) with D·H = 8, got [2, 4]")) {
            try GRUModel<Float>(file: file { try $0.add("head.weight", Tensor<Float>(zeros: [2, 4])) })
        }
        #expect(throws: GRUKitError.invalidWeights(
            file: "m.safetensors", key: "head.bias", problem: "expected shape (O) = [2], got [3]")) {
            try GRUModel<Float>(file: file {
                try $0.add("head.weight", Tensor<Float>(zeros: [2, 8]))
                try $0.add("head.bias", Tensor<Float>(zeros: [3]))
            })
        }
        let badMetadata = try file {
            try $0.add("head.weight", Tensor<Float>(zeros: [2, 8]))
            $0.metadata[GRUModelMetadata.key] = #"{"convention":{"reset":"sideways","update":"keeps-old"},"readout":"every-step","batch_first":false}"#
        }
        do {
            _ = try GRUModel<Float>(file: badMetadata)
            Issue.record("bad metadata was accepted")
        } catch let GRUKitError.invalidWeights(file, key, problem) {
            #expect(file == "m.safetensors")
            #expect(key == "__metadata__.grukit.model")
            #expect(problem.contains("convention.reset"), "\(problem)")
        }
        let missingField = try file {
            try $0.add("head.weight", Tensor<Float>(zeros: [2, 8]))
            $0.metadata[GRUModelMetadata.key] = #"{"readout":"every-step","batch_first":false}"#
        }
        #expect(throws: GRUKitError.self) { try GRUModel<Float>(file: missingField) }
    }
}
