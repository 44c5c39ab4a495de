import Foundation
import GRUKit
import Testing

/// The interop contract of `gru train`, in the library: PyTorch's plain training loop
/// (scripts/make_training_fixtures.py → pytorch_training.safetensors) — batches of B
/// consecutive samples, mean MSE, clip_grad_norm_ before each step — from the same initial
/// state_dict gives the same weights within 1e-5, for SGD, SGD with momentum and clipping,
/// Adam and AdamW, one and two layers, uni- and bidirectional, every-step and last-step heads.
@Suite struct TrainingParityTests {
    struct Case: Decodable {
        let key: String, kind: String, lr: Double
        let momentum: Double?, weight_decay: Double?, clip_norm: Double?
        let layers: Int, bidirectional: Bool, every_step: Bool, batch_size: Int, epochs: Int

        var configuration: TrainingConfiguration {
            var o = OptimizerConfiguration(kind: OptimizerConfiguration.Kind(rawValue: kind)!, learningRate: lr)
            if let momentum { o.momentum = momentum }
            if let weight_decay { o.weightDecay = weight_decay }
            var c = TrainingConfiguration(optimizer: o)
            (c.batchSize, c.epochs, c.shuffle, c.clipNorm) = (batch_size, epochs, false, clip_norm)
            return c
        }

        var name: String {
            "\(key): \(kind)\(momentum.map { " momentum \($0)" } ?? "")\(clip_norm.map { " clip \($0)" } ?? ""), "
                + "\(layers) layer(s)\(bidirectional ? " bidirectional" : ""), \(every_step ? "every step" : "last step")"
        }
    }

    static let file = Result { try SafeTensorsFile(contentsOf: fixturesFolder.appendingPathComponent("pytorch_training.safetensors")) }

    /// The tensors under `prefix`, renamed without it, as their own file.
    static func part(_ file: SafeTensorsFile, _ prefix: String) throws -> SafeTensorsFile {
        var writer = SafeTensorsWriter()
        for name in file.names where name.hasPrefix(prefix) {
            try writer.add(String(name.dropFirst(prefix.count)), file.tensor(name, as: Float.self))
        }
        return try SafeTensorsFile(data: writer.serialized(), name: prefix)
    }

    static func cases() throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(try #require(try file.get().metadata["cases"]).utf8))
    }

    @Test func trainingMatchesPyTorch() throws {
        let file = try Self.file.get()
        let cases = try Self.cases()
        #expect(cases.count == 16)
        var worst = WorstDifference<Float>()
        for c in cases {
            let p = c.key + "/"
            let start = try GRUModel<Float>(file: Self.part(file, p + "init."), defaults: GRUModelMetadata(readout: c.every_step ? .everyStep : .lastStep, batchFirst: true))
            #expect(start.configuration.layerCount == c.layers && start.configuration.direction == (c.bidirectional ? .bidirectional : .forward))
            let data = try SequenceDataset(file: Self.part(file, p))
            #expect(data.targetsEveryStep == c.every_step)
            var trainer = try Trainer(model: SupervisedGRU(model: start, loss: .meanSquaredError), configuration: c.configuration)
            var losses: [Double] = []
            try trainer.train(on: data, progress: { losses.append($0.loss) })
            let expectedLosses: Tensor<Float> = try file.tensor(p + "losses")
            #expect(losses.count == expectedLosses.count, "\(c.name): steps")
            for (a, b) in zip(losses, expectedLosses.scalars) { #expect(abs(a - Double(b)) <= 1e-5 * max(1, abs(Double(b))), "\(c.name): loss \(a) vs \(b)") }
            let expected = try GRUModel<Float>(file: Self.part(file, p + "final."), defaults: start.metadata)
            for ((name, ours), (_, theirs)) in zip(trainer.model.parameters.namedTensors, expected.parameters.namedTensors) {
                worst.record(expectClose(ours, theirs, tolerance: 1e-5, "\(c.name): \(name)"), "\(c.key) \(name)")
            }
        }
        print(worst.summary("PyTorch training loop parity"))
    }
}
