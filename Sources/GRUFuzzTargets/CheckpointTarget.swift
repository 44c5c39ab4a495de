import Foundation
import GRUKit

extension FuzzTargets {
    /// The checkpoint and model-file readers as `gru train --resume`, `gru evaluate` and
    /// `gru generate` use them: the JSON record written beside a checkpoint and the
    /// `grukit.model` JSON on their own; then the bytes as a safetensors file: its model
    /// metadata, a GRU model or a character model (which then writes a few characters), and a
    /// checkpoint record restored into a trainer, which trains one epoch on two tiny samples
    /// when the model is small.
    public static func checkpoint(_ data: Data) {
        _ = try? JSONDecoder().decode(CheckpointRecord.self, from: data)
        _ = try? JSONDecoder().decode(GRUModelMetadata.self, from: data)
        guard let file = try? SafeTensorsFile(data: data, name: "fuzz.checkpoint.safetensors") else { return }
        _ = try? GRUModelMetadata(of: file)
        if let model = try? CharacterLanguageModel<Float>(file: file), model.parameters.parameterCount <= 100_000 {
            _ = try? model.generate(prompt: String(model.vocabulary.characters[0]), length: 4, seed: 1)
        }
        let defaults = GRUModelMetadata(readout: .lastStep, batchFirst: true)
        guard let record = try? TrainingCheckpoint.record(of: file), (try? record.configuration.validate()) != nil,
              var model = try? GRUModel<Float>(file: file, defaults: defaults) else { return }
        model.configuration.batchFirst = true
        let loss = record.model?.loss ?? .meanSquaredError
        guard let supervised = try? SupervisedGRU(model: model, loss: loss),
              var trainer = try? Trainer(model: supervised, configuration: record.configuration),
              (try? TrainingCheckpoint.restore(&trainer, from: file)) != nil,
              model.parameters.parameterCount <= 100_000, let samples = tinySamples(for: model, loss: loss) else { return }
        _ = try? trainer.trainEpoch(on: samples)
    }

    /// Two samples of three steps that fit the model's input, readout and loss.
    static func tinySamples(for model: GRUModel<Float>, loss: Loss) -> SequenceDataset? {
        let (n, t, i, o) = (2, 3, model.configuration.inputSize, model.parameters.head.outputSize)
        guard let input = try? Tensor<Float>(shape: [n, t, i], scalars: (0..<(n * t * i)).map { Float($0 % 7) * 0.1 }) else { return nil }
        let everyStep = model.readout == .everyStep
        let target: DatasetTarget
        if loss == .softmaxCrossEntropy {
            let shape = everyStep ? [n, t] : [n]
            target = .classes(shape: shape, indices: (0..<shape.reduce(1, *)).map { $0 % o })
        } else {
            let shape = everyStep ? [n, t, o] : [n, o]
            guard let y = try? Tensor<Float>(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0 % 2) }) else { return nil }
            target = .values(y)
        }
        return try? SequenceDataset(input: input, target: target)
    }
}
