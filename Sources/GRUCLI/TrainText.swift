import ArgumentParser
import Foundation
import GRUKit

/// `gru train --text`: a character language model, trained by the same loop and session as
/// any other model — progress, metrics log, loss curve (with the uniform baseline ln V), a
/// checkpoint every epoch, `--resume`, early stopping — and saved with its vocabulary.
struct TextTrainingJob {
    var trainer: Trainer<CharacterLanguageModel<Float>>
    let training: TextWindows
    let validation: TextWindows?
    let session: TrainingSession
    /// What the model file and the checkpoint record: kind, vocabulary, input, loss, window.
    let metadata: GRUModelMetadata
    /// What will be trained on, how: printed when the run starts.
    let summary: [String]

    /// Prints the summary, then trains until the run is finished, writing the checkpoints,
    /// logs and the model.
    mutating func run() throws -> CharacterLanguageModel<Float> {
        for line in summary { print(line) }
        let metadata = self.metadata
        try session.run(&trainer, on: training, validation: validation, metadata: [GRUModelMetadata.key: try metadata.json()],
                        model: metadata) { model, url in
            try Self.write(model, metadata: metadata, to: url)
        }
        return trainer.model
    }

    /// Writes a character model file with the training metadata, atomically.
    static func write(_ model: CharacterLanguageModel<Float>, metadata: GRUModelMetadata, to url: URL) throws {
        var writer = SafeTensorsWriter()
        try model.addModel(to: &writer)
        writer.metadata[GRUModelMetadata.key] = try metadata.json()
        try writer.write(to: url)
    }
}

extension TrainCommand {
    /// The options that make no sense for a character language model.
    func validateText() throws {
        if model.bidirectional {
            throw ValidationError("--bidirectional: a character language model reads forward only (a backward GRU would see the characters it predicts)")
        }
        if let loss = model.loss, loss != .softmaxCrossEntropy {
            throw ValidationError("--loss \(loss.rawValue): a character language model predicts the next character with --loss cross-entropy")
        }
        guard model.embeddingSize >= 1 else { throw ValidationError("--embedding-size must be at least 1, got \(model.embeddingSize)") }
    }

    /// Reads the text (and a validation text) and builds or loads the model and its trainer.
    /// Everything that can be wrong with the input is found here, before anything is printed
    /// or written.
    func textJob() throws -> TextTrainingJob {
        let configuration = try trainingConfiguration()
        let path = text.text!
        let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: path))
        var (lm, recordedWindow) = try ModelBuilder(options: model, seed: seed, resume: resume).characterModel(for: corpus)
        let vocabulary = lm.vocabulary
        let length = text.sequenceLength ?? recordedWindow ?? 100
        // A model from --init or --resume reads the text with its own vocabulary.
        let classes = vocabulary == corpus.vocabulary ? corpus.classes : try vocabulary.encode(corpus.characters, source: path)
        let windows = try TextWindows(classes: classes, length: length, name: path)
        var (training, validation) = try windows.split(validationFraction: validationSplit)
        if let file = validationData {
            let other = try TextCorpus(contentsOf: URL(fileURLWithPath: file))
            validation = try TextWindows(classes: vocabulary.encode(other.characters, source: file), length: length, name: file)
        }
        if threads > 1 { lm.threads = try ComputeThreads(threads) }
        var trainer = try Trainer(model: lm, configuration: configuration)
        if let resume {
            try TrainingCheckpoint.restore(&trainer, from: SafeTensorsFile(contentsOf: URL(fileURLWithPath: resume)))
        }
        var metadata = lm.metadata
        metadata.loss = .softmaxCrossEntropy
        metadata.data = DataMetadata(source: "text")
        metadata.data?.window = length

        let v = vocabulary.count, c = lm.configuration
        let input = lm.input == .oneHot ? "one-hot \(v)" : "embedding \(v)×\(c.inputSize)"
        var files = OutputFiles(save: save, checkpoint: checkpoint, metrics: metrics, plot: plot)
        files.baseline = .uniform(classes: v)
        files.plotTitle = "\(URL(fileURLWithPath: path).lastPathComponent): GRU \(c.layerCount)×\(c.hiddenSize), \(input) input"
        files.plotYLabel = "cross-entropy (nats per character, log scale)"

        let distinct = corpus.vocabulary.count == v ? "\(v) distinct" : "\(corpus.vocabulary.count) distinct, \(v) in the model's vocabulary"
        let held = validation.map { "\($0.count) for validation" + (validationData.map { " from \($0)" } ?? "") } ?? "none for validation"
        let summary = [
            "data: \(path): \(corpus.count) characters, \(distinct) (uniform baseline ln \(v) = \(String(format: "%.3f", Foundation.log(Double(v)))) "
                + "nats per character); \(training.count) windows of \(length) characters for training, \(held)",
            "model: \(input) → GRU \(c.hiddenSize) × \(c.layerCount) layer(s) → head \(v), \(lm.parameters.parameterCount) parameters, loss cross-entropy",
            trainingLine(configuration, resumedAfter: trainer.state.epoch),
        ]
        let session = TrainingSession(files: files, progress: progress, patience: patience, save: URL(fileURLWithPath: save))
        return TextTrainingJob(trainer: trainer, training: training, validation: validation, session: session, metadata: metadata, summary: summary)
    }
}
