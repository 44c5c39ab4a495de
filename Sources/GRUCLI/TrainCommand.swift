import ArgumentParser
import Foundation
import GRUKit

/// `gru train`: fit a GRU model to a safetensors dataset or a CSV time series.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GRU model (GRU stack + linear head) on a safetensors dataset or a CSV time series, or a character language model on a text.",
        discussion: """
            The model reads (N, T, I) sequences batch-first. A target (N, T, O) makes the head read every step; \
            (N, O) makes it read the last step (out[:, -1, :]; with lengths, each sequence's last valid step). \
            Start from --init (a PyTorch module's state_dict with gru. and head., or a GRUKit model file) or a new model \
            (--hidden-size, --layers, --bidirectional, --init-scheme). Optimizers, clipping and schedules follow torch.optim: \
            with --no-shuffle, batches are consecutive slices of B samples in order, the loss is the batch's mean, and \
            clipping happens before each step, so a run matches the same loop in PyTorch. Every random choice comes from --seed. \
            After every epoch a checkpoint (safetensors + JSON) is written atomically, with the metrics log (JSON lines) and the \
            loss curve (SVG); --resume CHECKPOINT with the same options continues exactly where the run stopped. A step \
            whose loss, gradients or updated weights hold NaN or Inf stops the run with a message naming the epoch, batch \
            and step, before that epoch's checkpoint (the previous one is kept), or with --skip-nonfinite is skipped.

            With --text FILE (UTF-8) it trains a character language model instead: embedding (--embedding-size, or --one-hot) → \
            GRU (forward) → head over the text's characters, each character of a window of --sequence-length predicting the next \
            (cross-entropy, in nats per character; the loss curve shows the uniform baseline ln V). --validation-split holds out \
            the text's last windows. The model file keeps the vocabulary, for gru generate and gru evaluate --text.
            """)

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Text") var text: TextOptions
    @Option(help: ArgumentHelp("The share of samples held out for validation (a CSV's or a text's last windows; otherwise a seeded random choice).", valueName: "fraction"))
    var validationSplit = 0.0
    @Option(help: ArgumentHelp("Validation samples from another file of the same kind.", valueName: "file")) var validationData: String?

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimizer") var optimizer: OptimizerOptions

    @Option(help: "B, samples per step.") var batchSize = 32
    @Option(help: "How many epochs to train in all.") var epochs = 10
    @Flag(help: "Visit the samples in order every epoch (default: a new seeded order each epoch).") var noShuffle = false
    @Option(help: "The seed of the initial weights, the validation split, the epoch orders and dropout.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Stop after this many epochs without a better validation loss.", valueName: "epochs")) var patience: Int?
    @Option(help: "How much lower a validation loss must be to count as better.") var minDelta = 0.0
    @Flag(help: ArgumentHelp("Skip a step whose loss or gradients (or the weights after it) hold NaN or Inf, rather than stop: its update is undone, it is counted and reported, and an epoch that skips every step stops the run."))
    var skipNonfinite = false
    @Option(help: ArgumentHelp("Where to write the trained model (safetensors).", valueName: "file")) var save: String
    @Option(help: ArgumentHelp("The checkpoint written every epoch (default: <save>.checkpoint.safetensors, with a .json beside it).", valueName: "file"))
    var checkpoint: String?
    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint (give the same options).", valueName: "file")) var resume: String?
    @Option(help: ArgumentHelp("The metrics log, one JSON line per epoch (default: <save>.metrics.jsonl).", valueName: "file")) var metrics: String?
    @Option(help: ArgumentHelp("The loss curve (default: <save>.loss.svg).", valueName: "file")) var plot: String?
    @Option(help: ArgumentHelp("auto (a bar on a terminal, lines otherwise), bar, lines or none.", valueName: "style")) var progress = ProgressStyle.auto
    @Option(help: "Threads for the GRU kernels (results are the same for any count).") var threads = 1

    func validate() throws {
        try data.validateSource(text: .some(text.text))
        if text.text != nil { try validateText() }
        if model.oneHot, text.text == nil { throw ValidationError("--one-hot feeds a character model's characters; use it with --text") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard model.hiddenSize >= 1 else { throw ValidationError("--hidden-size must be at least 1, got \(model.hiddenSize)") }
        guard model.layers >= 1 else { throw ValidationError("--layers must be at least 1, got \(model.layers)") }
        guard model.dropout.isFinite, (0..<1).contains(model.dropout) else { throw ValidationError("--dropout must be in [0, 1), got \(model.dropout)") }
        guard validationSplit.isFinite, (0..<1).contains(validationSplit) else {
            throw ValidationError("--validation-split must be in [0, 1), got \(validationSplit)")
        }
        if let patience {
            guard patience >= 1 else { throw ValidationError("--patience must be at least 1 epoch, got \(patience)") }
            guard validationSplit > 0 || validationData != nil else {
                throw ValidationError("--patience stops on the validation loss: give --validation-split or --validation-data")
            }
        }
        guard minDelta.isFinite, minDelta >= 0 else { throw ValidationError("--min-delta must be 0 or more, got \(minDelta)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if resume != nil, model.initFile != nil { throw ValidationError("give --init or --resume, not both (a checkpoint holds the weights)") }
        _ = try trainingConfiguration()
    }

    func trainingConfiguration() throws -> TrainingConfiguration {
        var c = TrainingConfiguration(optimizer: try optimizer.configuration())
        c.schedule = try optimizer.learningRateSchedule(epochs: epochs)
        (c.clipNorm, c.clipValue, c.batchSize, c.epochs) = (optimizer.clipNorm, optimizer.clipValue, batchSize, epochs)
        (c.shuffle, c.patience, c.minimumImprovement, c.seed, c.skipNonFinite) = (!noShuffle, patience, minDelta, seed, skipNonfinite)
        do { try c.validate() } catch let error as GRUKitError { throw ValidationError(OptimizerOptions.optionName(error)) }
        return c
    }

    func run() throws {
        if text.text != nil {
            var job = try textJob()
            try checkOutputFolders()
            _ = try job.run()
            return
        }
        let configuration = try trainingConfiguration()
        let prepared = try PreparedData.forTraining(data, validationFraction: validationSplit, validationFile: validationData,
                                                    seed: seed ^ 0x7370_6C69_7400_0000)  // "split"
        let (gruModel, loss) = try ModelBuilder(options: model, seed: seed, resume: resume).model(for: prepared)
        var trainable = try SupervisedGRU(model: gruModel, loss: loss)
        if threads > 1 { trainable.model.threads = try ComputeThreads(threads) }
        var trainer = try Trainer(model: trainable, configuration: configuration)
        if let resume {
            try TrainingCheckpoint.restore(&trainer, from: SafeTensorsFile(contentsOf: URL(fileURLWithPath: resume)))
        }
        var metadata = GRUModelMetadata(convention: gruModel.configuration.convention, readout: gruModel.readout, batchFirst: true)
        (metadata.loss, metadata.data) = (loss, prepared.metadata)
        let files = OutputFiles(save: save, checkpoint: checkpoint, metrics: metrics, plot: plot)
        try checkOutputFolders()

        let c = gruModel.configuration
        print("data: \(prepared.training.sampleCount) training sample(s)" + (prepared.validation.map { ", \($0.sampleCount) validation" } ?? "")
              + " from \(prepared.name); input (N, \(prepared.training.steps), \(prepared.training.inputSize)), target \(Array(prepared.training.target.shape.dropFirst()))")
        print("model: GRU \(c.inputSize) → \(c.hiddenSize) × \(c.layerCount) layer(s)\(c.direction == .bidirectional ? " bidirectional" : ""), "
              + "head → \(gruModel.parameters.head.outputSize) (\(gruModel.readout.rawValue)), \(gruModel.parameters.parameterCount) parameters, loss \(loss.rawValue)")
        print(trainingLine(configuration, resumedAfter: trainer.state.epoch))

        let session = TrainingSession(files: files, progress: progress, patience: patience, save: URL(fileURLWithPath: save))
        try session.run(&trainer, on: prepared.training, validation: prepared.validation,
                        metadata: [GRUModelMetadata.key: try metadata.json()], model: metadata) { model, url in
            try Self.write(model.model, metadata: metadata, to: url)
        }
    }

    /// Throws unless the folder of every file the run writes exists and can be written to, so
    /// that a run does not fail at its first checkpoint or its end.
    func checkOutputFolders() throws {
        let files = OutputFiles(save: save, checkpoint: checkpoint, metrics: metrics, plot: plot)
        for (option, url) in [("--save", URL(fileURLWithPath: save)), ("--checkpoint", files.checkpoint), ("--metrics", files.metrics), ("--plot", files.plot)] {
            let folder = url.deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw CommandError("\(option) \(url.path): the folder \(folder) does not exist")
            }
            guard FileManager.default.isWritableFile(atPath: folder) else { throw CommandError("\(option) \(url.path): the folder \(folder) is not writable") }
        }
    }

    /// The `training:` line: optimizer, batches, epochs, seed, and where a resumed run starts.
    func trainingLine(_ configuration: TrainingConfiguration, resumedAfter epoch: Int) -> String {
        let o = configuration.optimizer
        return "training: \(o.kind.rawValue) lr \(o.learningRate), batch \(batchSize), \(epochs) epoch(s)\(noShuffle ? " in order" : ", shuffled")"
            + (configuration.clipNorm.map { ", clip norm \($0)" } ?? "") + ", seed \(seed)"
            + (resume.map { ", resuming \($0) after epoch \(epoch)" } ?? "")
    }

    /// Writes a model file with the training metadata, atomically.
    static func write(_ model: GRUModel<Float>, metadata: GRUModelMetadata, to url: URL) throws {
        var writer = SafeTensorsWriter()
        try model.addModel(to: &writer)
        writer.metadata[GRUModelMetadata.key] = try metadata.json()
        try writer.write(to: url)
    }
}
