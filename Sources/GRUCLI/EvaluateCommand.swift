import ArgumentParser
import Foundation
import GRUKit

/// `gru evaluate`: a trained model's loss and errors on data.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a trained model's loss and errors on a safetensors dataset, a CSV time series or a text.",
        discussion: """
            Prints the model's loss (mean over the samples) and, for values, the mean squared and absolute errors in the data's \
            units (normalisation undone); for class indices, the accuracy. On a CSV time series it also prints the errors of \
            the naive forecast that repeats each window's last target value, when the targets are among the inputs' columns. \
            A CSV is read with the columns, window and normalisation saved in the model file. A character language model \
            is evaluated on a --text: its loss per character (nats and bits) over the text's windows, against the uniform \
            baseline ln V, and how often its most likely next character is the right one; --last K takes the text's last K \
            windows (the ones gru train --validation-split held out).
            """)

    @Option(help: ArgumentHelp("The model file written by gru train (or one of its checkpoints).", valueName: "file")) var model: String
    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Text") var text: TextOptions
    @Option(help: ArgumentHelp("Evaluate the last this many samples only (a CSV's or a text's validation windows, say).", valueName: "count")) var last: Int?
    @Option(help: ArgumentHelp("The loss, when the model file does not record it.", valueName: "loss")) var loss: Loss?
    @Option(help: "Samples per batch.") var batchSize = 256
    @Flag(help: "Print one JSON object instead of lines.") var json = false

    func validate() throws {
        try data.validateSource(requireTarget: false, text: .some(text.text))
        if data.csv != nil, data.target != nil || data.features != nil { throw ValidationError("--target and --features come from the model file; leave them out") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let last, last < 1 { throw ValidationError("--last must be at least 1, got \(last)") }
        if text.text != nil, let loss, loss != .softmaxCrossEntropy {
            throw ValidationError("--loss \(loss.rawValue): a character language model is measured by its cross-entropy; leave --loss out")
        }
    }

    func run() throws {
        if let path = text.text { return try evaluateText(path) }
        let loaded = try LoadedModel(model, loss: loss, command: "evaluate")
        let (windows, dataset) = try PreparedData.forModel(data, metadata: loaded.metadata.data, requireTargets: true)
        var d = dataset!
        let first = max(0, d.sampleCount - (last ?? d.sampleCount))
        if first > 0 { d = try d.subset(Array(first..<d.sampleCount)) }
        try loaded.check(d, name: data.data ?? data.csv!)
        let name = data.data ?? data.csv!
        let value = try Trainer<SupervisedGRU>.evaluate(loaded.trainable, on: d, batchSize: batchSize)
        var results: [(String, Double)] = [("samples", Double(d.sampleCount)), ("loss", value)]
        let predictions = try loaded.predictions(d, batchSize: batchSize)
        switch d.target {
        case .classes(_, let indices):
            let o = predictions.shape.last!
            let rows = predictions.count / o
            let correct = (0..<rows).filter { r in
                let row = predictions.scalars[(r * o)..<((r + 1) * o)]
                return row.firstIndex(of: row.max()!)! - r * o == indices[r]
            }.count
            results.append(("accuracy", Double(correct) / Double(rows)))
        case .values(let y):
            let truth = loaded.denormalized(y), predicted = loaded.denormalized(predictions)
            results += Self.errors(predicted, truth, prefix: "")
            if let w = windows, let baseline = Self.naive(w, from: first, count: d.sampleCount) {
                results += Self.errors(baseline, truth, prefix: "naive_")
            }
        }
        if json {
            print("{" + results.map { "\"\($0.0)\":\($0.1.isFinite ? "\($0.1)" : "null")" }.joined(separator: ",") + "}")
        } else {
            print("\(name): \(d.sampleCount) sample(s), \(loaded.trainable.loss.rawValue) loss \(String(format: "%.6g", value))")
            for (key, v) in results.dropFirst(2) { print("  \(key.replacingOccurrences(of: "_", with: " ")): \(String(format: "%.6g", v))") }
        }
    }

    static func errors(_ a: [Double], _ b: [Double], prefix: String) -> [(String, Double)] {
        let n = Double(max(a.count, 1))
        let mse = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n
        let mae = zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / n
        return [(prefix + "mse", mse), (prefix + "rmse", mse.squareRoot()), (prefix + "mae", mae)]
    }

    /// The naive forecast, each window's last value of the target columns, when they are inputs too.
    static func naive(_ w: TimeSeriesWindows, from first: Int, count: Int) -> [Double]? {
        let s = w.specification
        let columns = s.targetColumns.compactMap { s.featureColumns.firstIndex(of: $0) }
        guard columns.count == s.targetColumns.count else { return nil }
        return (first..<(first + count)).flatMap { k in columns.map { w.features[k + s.window - 1][$0] } }
    }
}

/// A model file loaded for evaluation or prediction, with its training metadata.
struct LoadedModel {
    let trainable: SupervisedGRU
    let metadata: GRUModelMetadata
    let file: String

    /// - Parameter command: the subcommand loading it, for the message that turns away a
    ///   character model.
    init(_ file: String, loss: Loss?, command: String) throws {
        let safetensors = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: file))
        metadata = try GRUModelMetadata(of: safetensors) ?? GRUModelMetadata(batchFirst: true)
        if metadata.kind == CharacterLanguageModel<Float>.kind {
            throw CommandError(command == "evaluate"
                ? "\(file) is a character language model: evaluate it on a text with --text FILE"
                : "\(file) is a character language model, which gru \(command) does not run: generate text with gru generate --model \(file) "
                    + "(or measure its loss with gru evaluate --model \(file) --text FILE)")
        }
        var model = try GRUModel<Float>(file: safetensors, defaults: GRUModelMetadata(batchFirst: true))
        model.configuration.batchFirst = true
        guard let chosen = loss ?? metadata.loss else {
            throw CommandError("\(file): the file records no loss (it was not trained by gru train); give --loss")
        }
        trainable = try SupervisedGRU(model: model, loss: chosen)
        self.file = file
    }

    /// Throws unless the data fits the model.
    func check(_ d: SequenceDataset, name: String) throws {
        let m = trainable.model
        guard m.configuration.inputSize == d.inputSize else {
            throw CommandError("\(name): the input has \(d.inputSize) feature(s), but the model \(file) reads \(m.configuration.inputSize)")
        }
        let readout: Readout = d.targetsEveryStep ? .everyStep : .lastStep
        guard m.readout == readout else {
            throw CommandError("\(name): the target \(d.target.shape) needs a \(readout.rawValue) head, but the model \(file) reads \(m.readout.rawValue)")
        }
        if case .values = d.target, d.outputSize != m.parameters.head.outputSize {
            throw CommandError("\(name): the target has \(d.outputSize) value(s) per sample, but the model \(file) outputs \(m.parameters.head.outputSize)")
        }
    }

    /// The head's outputs for every sample, in batches: (N, O) or (N, T, O).
    func predictions(_ d: SequenceDataset, batchSize: Int) throws -> Tensor<Float> {
        var parts: [Float] = []
        let frozen = try trainable.model.prepared()  // trainable.predictions, bit for bit, with the weights laid out once
        for start in stride(from: 0, to: d.sampleCount, by: batchSize) {
            let batch = try d.batch(Array(start..<min(start + batchSize, d.sampleCount)))
            var p = try frozen.logits(batch.input, lengths: batch.lengths)
            if p.rank == 3, p.shape[1] < d.steps {  // a trimmed batch: pad back to T with zeros
                let (n, t, o) = (p.shape[0], p.shape[1], p.shape[2])
                var full = [Float](repeating: 0, count: n * d.steps * o)
                for b in 0..<n { full.replaceSubrange((b * d.steps * o)..<((b * d.steps + t) * o), with: p.scalars[(b * t * o)..<((b + 1) * t * o)]) }
                p = Tensor(unchecked: [n, d.steps, o], scalars: full)
            }
            parts += p.scalars
        }
        let o = trainable.model.parameters.head.outputSize
        return Tensor(unchecked: d.targetsEveryStep ? [d.sampleCount, d.steps, o] : [d.sampleCount, o], scalars: parts)
    }

    /// Values in the data's units: the target normalisation undone.
    func denormalized(_ t: Tensor<Float>) -> [Double] {
        guard let n = metadata.data?.targetNormalization else { return t.scalars.map(Double.init) }
        let o = t.shape.last!
        return t.scalars.enumerated().map { n.denormalize(Double($0.element), column: $0.offset % o) }
    }
}
