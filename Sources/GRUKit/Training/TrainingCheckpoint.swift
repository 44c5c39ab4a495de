import Foundation

/// What a checkpoint says about its run, beside the tensors: the `grukit.training` entry of
/// the safetensors header's `__metadata__`, and the whole of the JSON file written beside it.
public struct CheckpointRecord: Codable, Hashable, Sendable {
    /// The layout's version.
    public var format = 1
    /// The run's settings.
    public var configuration: TrainingConfiguration
    /// Where the run was when the checkpoint was written.
    public var state: TrainingState
    /// The optimizer's step count (its buffers are the `optimizer.*` tensors).
    public var optimizerSteps: Int
    /// The model file metadata (`grukit.model`), repeated for readers of the JSON file.
    public var model: GRUModelMetadata?

    enum CodingKeys: String, CodingKey {
        case format, configuration, state, model
        case optimizerSteps = "optimizer_steps"
    }
}

/// Training checkpoints: one safetensors file holding the model's tensors under their own
/// names (so a checkpoint is also a model file), the optimizer's buffers as
/// `optimizer.<buffer>.<parameter>`, and a ``CheckpointRecord`` in the metadata; plus the same
/// record, readable, in a JSON file beside it (`name.json` for `name.safetensors`).
///
/// Both files are written atomically (a temporary file, flushed, renamed over the old one),
/// the tensors first: a run killed at any moment leaves the previous checkpoint or the new one,
/// never half of one. The safetensors file alone is what ``restore(_:from:)`` reads.
public enum TrainingCheckpoint {
    /// The `__metadata__` key of the record.
    public static let key = "grukit.training"

    /// The JSON file written beside the checkpoint at `url`.
    public static func jsonURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("json")
    }

    /// Writes the trainer's model, optimizer and state — only when every value is finite, so a
    /// good checkpoint is never replaced by one holding a NaN or an infinity.
    ///
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` naming a tensor that is not
    ///   finite (the files at `url` are then unchanged), or a write error.
    /// - Parameters:
    ///   - trainer: the run.
    ///   - metadata: more `__metadata__` entries (the model file's `grukit.model`).
    ///   - model: the model file metadata to repeat in the JSON file.
    ///   - url: the checkpoint's safetensors file.
    public static func write<Model: TrainableModel>(
        _ trainer: Trainer<Model>, metadata: [String: String] = [:], model: GRUModelMetadata? = nil, to url: URL
    ) throws {
        var writer = SafeTensorsWriter(metadata: metadata)
        writer.metadata["format"] = "pt"
        for (name, tensor) in trainer.model.parameters.namedTensors + trainer.optimizer.stateTensors() {
            do { try tensor.requireFinite(name: name) } catch GRUKitError.nonFinite(_, let index, let value) {
                throw GRUKitError.invalidWeights(file: url.path, key: name, problem: "element \(index) is \(value): a checkpoint holds finite values only; the file was not written")
            }
            try writer.add(name, tensor, as: .f32)
        }
        let record = CheckpointRecord(configuration: trainer.configuration, state: trainer.state,
                                      optimizerSteps: trainer.optimizer.stepCount, model: model)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        writer.metadata[key] = String(decoding: try encoder.encode(record), as: UTF8.self)
        try writer.write(to: url)
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        try AtomicFileWriter.replaceFile(at: jsonURL(for: url), with: [Array(try encoder.encode(record)) + [0x0A]])
    }

    /// The record of a checkpoint file.
    ///
    /// - Throws: ``TrainingError/cannotResume(file:problem:)`` when the file is not a checkpoint.
    public static func record(of file: SafeTensorsFile) throws -> CheckpointRecord {
        guard let json = file.metadata[key] else {
            throw TrainingError.cannotResume(file: file.file, problem: "not a training checkpoint (no \(key) metadata); a model file can be trained further with --init")
        }
        do {
            return try JSONDecoder().decode(CheckpointRecord.self, from: Data(json.utf8))
        } catch {
            throw TrainingError.cannotResume(file: file.file, problem: "the \(key) metadata is not a checkpoint record (\(GRUModelMetadata.describe(error)))")
        }
    }

    /// Puts a checkpoint's weights, optimizer state and run state into `trainer`, which must
    /// have the checkpoint's settings (its number of epochs may differ, to train longer).
    ///
    /// - Throws: ``TrainingError/cannotResume(file:problem:)`` naming a setting that differs
    ///   or a tensor that is missing or misshapen.
    public static func restore<Model: TrainableModel>(_ trainer: inout Trainer<Model>, from file: SafeTensorsFile) throws {
        let record = try record(of: file)
        func fail(_ problem: String) -> TrainingError { .cannotResume(file: file.file, problem: problem) }
        var saved = record.configuration
        saved.epochs = trainer.configuration.epochs
        if saved != trainer.configuration {
            throw fail("it was trained with other settings (\(differences(saved, trainer.configuration))); resume with the same options")
        }
        var parameters = trainer.model.parameters
        var list: [Tensor<Float>] = []
        for (name, expected) in parameters.namedTensors {
            guard file.info(name) != nil else { throw fail("\(name) is missing: the checkpoint holds another model") }
            let tensor: Tensor<Float> = try file.tensor(name)
            guard tensor.shape == expected.shape else {
                throw fail("\(name) has shape \(tensor.shape), the model's is \(expected.shape)")
            }
            list.append(tensor)
        }
        parameters.replaceTensors(with: list)
        var optimizer = try Optimizer<Model.Parameters>(trainer.configuration.optimizer)
        do {
            try optimizer.restore(stepCount: record.optimizerSteps, like: parameters, file: file.file) { name in
                file.info(name) == nil ? nil : try file.tensor(name)
            }
        } catch let error as GRUKitError {
            throw fail("\(error)")
        }
        guard (try? SeededGenerator(state: record.state.generator)) != nil else { throw fail("its generator state is not valid") }
        trainer.model.parameters = parameters
        trainer.optimizer = optimizer
        trainer.state = record.state
    }

    /// The settings that differ, as `key: saved → given`.
    static func differences(_ a: TrainingConfiguration, _ b: TrainingConfiguration) -> String {
        func flatten(_ c: TrainingConfiguration) -> [String: String] {
            guard let data = try? JSONEncoder().encode(c),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            var out: [String: String] = [:]
            func walk(_ value: Any, _ path: String) {
                if let dictionary = value as? [String: Any] {
                    for (k, v) in dictionary { walk(v, path.isEmpty ? k : path + "." + k) }
                } else {
                    out[path] = "\(value)"
                }
            }
            walk(object, "")
            return out
        }
        let (x, y) = (flatten(a), flatten(b))
        let keys = Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
        return keys.map { "\($0): \(x[$0] ?? "none") in the checkpoint, \(y[$0] ?? "none") now" }.joined(separator: "; ")
    }
}
