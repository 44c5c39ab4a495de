import Foundation
import GRUKit

/// What `gru train` does around the training loop, for any model: after every epoch a
/// checkpoint, the metrics log, the loss curve and (with validation) the best model so far; the
/// progress display; the final model. A new kind of model (a character language model, say)
/// plugs in with its own data, `Trainer` and way of saving itself (`gru train --text` does).
struct TrainingSession {
    let files: OutputFiles
    let progress: ProgressStyle
    let patience: Int?
    /// Where the final model goes.
    let save: URL

    /// Trains until the run is finished and saves the model.
    ///
    /// - Parameters:
    ///   - metadata: the `__metadata__` entries of the model's files (for the checkpoint).
    ///   - model: the model file metadata, repeated in the checkpoint's JSON.
    ///   - saveModel: writes a model file atomically.
    func run<Model: TrainableModel, Data: TrainingData<Model.Batch>>(
        _ trainer: inout Trainer<Model>, on data: Data, validation: Data?, metadata: [String: String], model: GRUModelMetadata?,
        saveModel: (Model, URL) throws -> Void
    ) throws {
        let reporter = ProgressReporter(progress, startStep: trainer.state.step)
        var saved = trainer.state.epoch > 0 ? trainer.state.epoch : nil  // the epoch the checkpoint file holds
        do {
            try trainEpochs(&trainer, on: data, validation: validation, reporter: reporter, metadata: metadata, model: model,
                            saveModel: saveModel, saved: &saved)
        } catch let error as TrainingError {
            reporter.interrupted()
            // Say what the files on disk still hold, and how to go on.
            var kept = saved.map { "; \(files.checkpoint.path) still holds epoch \($0)" } ?? "; no checkpoint was written"
            switch error {
            case .nonFinite: kept += " (try a lower --lr or --clip-norm, or --skip-nonfinite to skip such steps)"
            case .everyStepSkipped: kept += " (try a lower --lr or --clip-norm)"
            case .nonFiniteValidationLoss, .cannotResume: break
            }
            throw CommandError("\(error)" + kept)
        }
        try files.writeLogs(trainer.state.history)
        try saveModel(trainer.model, save)
        var summary = "saved \(save.path) (after epoch \(trainer.state.epoch))"
        if let best = trainer.state.bestEpoch, let loss = trainer.state.bestValidationLoss {
            summary += "; best validation loss \(String(format: "%.6g", loss)) at epoch \(best) in \(files.best.path)"
        }
        if trainer.state.skippedSteps > 0 { summary += "; \(trainer.state.skippedSteps) step(s) skipped in all (NaN or Inf)" }
        print(summary)
        print("checkpoint \(files.checkpoint.path), metrics \(files.metrics.path), loss curve \(files.plot.path)")
    }

    /// The epochs, each followed by its checkpoint, logs and best model; `saved` follows the
    /// epoch the checkpoint file holds.
    private func trainEpochs<Model: TrainableModel, Data: TrainingData<Model.Batch>>(
        _ trainer: inout Trainer<Model>, on data: Data, validation: Data?, reporter: ProgressReporter, metadata: [String: String],
        model: GRUModelMetadata?, saveModel: (Model, URL) throws -> Void, saved: inout Int?
    ) throws {
        let epochs = trainer.configuration.epochs
        try trainer.train(on: data, validation: validation, progress: reporter.step) { t, record in
            var notes: [String] = []
            try TrainingCheckpoint.write(t, metadata: metadata, model: model, to: files.checkpoint)
            saved = record.epoch
            try files.writeLogs(t.state.history)
            if t.state.bestEpoch == record.epoch, validation != nil {
                try saveModel(t.model, files.best)
                notes.append("best so far")
            }
            if record.skippedSteps > 0 { notes.append("\(record.skippedSteps) step(s) skipped (NaN or Inf)") }
            if t.state.stoppedEarly { notes.append("stopping early: no better validation loss for \(patience ?? 0) epoch(s)") }
            reporter.epoch(record, of: epochs, note: notes.joined(separator: "; "))
        }
    }
}

/// The files a training run writes, named after `--save` unless given.
struct OutputFiles {
    let checkpoint, metrics, plot, best: URL
    /// The loss curve's heading, y label and dashed reference level.
    var plotTitle = "Loss per epoch", plotYLabel = "loss (log scale)"
    var baseline: SVGLinePlot.Baseline?

    init(save: String, checkpoint: String?, metrics: String?, plot: String?) {
        let stem = URL(fileURLWithPath: save).deletingPathExtension().path
        self.checkpoint = URL(fileURLWithPath: checkpoint ?? stem + ".checkpoint.safetensors")
        self.metrics = URL(fileURLWithPath: metrics ?? stem + ".metrics.jsonl")
        self.plot = URL(fileURLWithPath: plot ?? stem + ".loss.svg")
        best = URL(fileURLWithPath: stem + ".best.safetensors")
    }

    /// Rewrites the metrics log and the loss curve from the whole history (atomically, so a
    /// resumed run's files hold every epoch once).
    func writeLogs(_ history: [EpochRecord]) throws {
        try TextFile.write(try history.map { try $0.jsonLine() + "\n" }.joined(), to: metrics)
        try SVGLinePlot.lossCurve(history, title: plotTitle, yLabel: plotYLabel, baseline: baseline).write(to: plot)
    }
}
