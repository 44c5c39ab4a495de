import ArgumentParser
import Foundation
import GRUKit

/// `gru predict`: a trained model's outputs on new data.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a trained model on a safetensors dataset or a CSV time series and write its predictions.",
        discussion: """
            With --data (input (N, T, I) and optional lengths; a target is not needed), OUTPUT (safetensors) receives 'prediction' (N, O) or (N, T, O) in the data's units, and for a \
            cross-entropy model 'class' (int64, the most likely class). With --csv, every window of the file is forecast — \
            also the last ones, whose targets lie past the end — and OUTPUT (CSV) lists, per window, the CSV line of its \
            target row, --x-column's value there, the true target (when the file has it) and the prediction; --plot draws \
            them (SVG) with the naive last-value forecast beside. A character language model is turned away: its text comes \
            from gru generate.
            """)

    @Option(help: ArgumentHelp("The model file written by gru train (a GRU with a head).", valueName: "file")) var model: String
    @OptionGroup(title: "Data") var data: DataOptions
    @Option(help: ArgumentHelp("Where to write the predictions: .safetensors (with --data) or .csv (with --csv).", valueName: "file")) var output: String
    @Option(help: ArgumentHelp("Predict the last this many samples or windows only.", valueName: "count")) var last: Int?
    @Option(help: ArgumentHelp("CSV: a numeric column to label the rows with (a time axis).", valueName: "column")) var xColumn: String?
    @Option(help: ArgumentHelp("CSV: also draw the forecast against the truth as SVG.", valueName: "file")) var plot: String?
    @Option(help: "Samples per batch.") var batchSize = 256

    func validate() throws {
        try data.validateSource(requireTarget: false)
        if data.csv != nil, data.target != nil || data.features != nil { throw ValidationError("--target and --features come from the model file; leave them out") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let last, last < 1 { throw ValidationError("--last must be at least 1, got \(last)") }
        if data.csv == nil, plot != nil || xColumn != nil { throw ValidationError("--plot and --x-column draw CSV forecasts; use them with --csv") }
    }

    func run() throws {
        let loaded = try LoadedModel(model, loss: nil, command: "predict")
        if data.csv != nil { return try forecast(loaded) }
        var d = try inputs(of: data.data!, for: loaded)
        if let last, last < d.sampleCount { d = try d.subset(Array((d.sampleCount - last)..<d.sampleCount)) }
        let p = try loaded.predictions(d, batchSize: batchSize)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.add("prediction", Tensor(shape: p.shape, scalars: loaded.denormalized(p).map { Float($0) }), as: .f32)
        if loaded.trainable.loss == .softmaxCrossEntropy {
            let o = p.shape.last!
            let classes = (0..<(p.count / o)).map { r in
                let row = p.scalars[(r * o)..<((r + 1) * o)]
                return row.firstIndex(of: row.max()!)! - r * o
            }
            try writer.addIntegers("class", shape: Array(p.shape.dropLast()), values: classes)
        }
        try writer.write(to: URL(fileURLWithPath: output))
        print("wrote \(output): prediction \(p.shape) for \(d.sampleCount) sample(s)")
    }

    /// The `input` (N, T, I) and optional `lengths` of a safetensors file (a `target`, if there
    /// is one, is not needed), as a dataset with placeholder targets of the model's shape.
    private func inputs(of path: String, for loaded: LoadedModel) throws -> SequenceDataset {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        func fail(_ key: String?, _ problem: String) -> DatasetError { .tensors(file: path, key: key, problem: problem) }
        guard file.info("input") != nil else { throw fail("input", "missing: predictions need input (N, T, I) (keys: \(file.names.joined(separator: ", ")))") }
        let x: Tensor<Float> = try file.tensor("input")
        let m = loaded.trainable.model
        guard x.rank == 3, x.shape[0] >= 1, x.shape[1] >= 1, x.shape[2] == m.configuration.inputSize else {
            throw fail("input", "expected shape (N, T, I) with N, T ≥ 1 and I = \(m.configuration.inputSize) for the model \(model), got \(x.shape)")
        }
        let lengths = file.info("lengths") == nil ? nil : try file.integers("lengths").values
        let o = m.parameters.head.outputSize
        let placeholder = try Tensor<Float>(zeros: m.readout == .everyStep ? [x.shape[0], x.shape[1], o] : [x.shape[0], o])
        do {
            return try SequenceDataset(input: x, target: .values(placeholder), lengths: lengths)
        } catch let error as GRUKitError {
            throw fail(nil, "\(error)")
        }
    }

    private func forecast(_ loaded: LoadedModel) throws {
        let csv = data.csv!
        guard let m = loaded.metadata.data, m.source == "csv", let targets = m.targetColumns, let features = m.featureColumns,
              let window = m.window, let horizon = m.horizon else {
            throw CommandError("--csv: the model \(model) was not trained on a CSV time series (its file records no columns and window); use --data")
        }
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: csv))
        let hasTruth = targets.allSatisfy(table.header.contains)
        let spec = TimeSeriesSpecification(featureColumns: features, targetColumns: targets, window: window, horizon: horizon)
        let windows = try TimeSeriesWindows(table: table, specification: spec, requireTargets: false)
        let xs = try xColumn.map { try table.numbers(columns: [$0]).map { $0[0] } }
        let truth = hasTruth ? try table.numbers(columns: targets) : nil
        let count = windows.inputWindowCount
        let first = max(0, count - (last ?? count))
        let identity = Normalization(mean: features.map { _ in 0 }, std: features.map { _ in 1 })
        let input = try windows.inputs(windows: first..<count, normalization: m.inputNormalization ?? identity)
        let d = try SequenceDataset(input: input, target: .values(Tensor(zeros: [count - first, targets.count])))
        let predicted = loaded.denormalized(try loaded.predictions(d, batchSize: batchSize))
        let o = targets.count
        // One CSV row per window.
        var header = ["line"] + (xColumn.map { [$0] } ?? [])
        for t in targets { header += (hasTruth ? [t] : []) + ["\(t)_predicted"] }
        var lines = [header.joined(separator: ",")]
        var points: [(x: Double, truth: Double?, predicted: Double, naive: Double?)] = []
        let naiveColumn = features.firstIndex(of: targets[0])
        for k in first..<count {
            let row = windows.targetRow(ofWindow: k)
            let inside = row < windows.features.count
            var fields = [inside ? "\(table.lines[row])" : ""]
            let x = inside ? xs?[row] : xs.map { $0[windows.features.count - 1] + Double(row - windows.features.count + 1) * (($0.last! - $0.first!) / Double(max($0.count - 1, 1))) }
            if xs != nil { fields.append(x.map { Self.format($0) } ?? "") }
            for j in 0..<o {
                if let truth { fields.append(inside ? Self.format(truth[row][j]) : "") }
                fields.append(Self.format(predicted[(k - first) * o + j]))
            }
            lines.append(fields.joined(separator: ","))
            points.append((x ?? Double(row), inside ? truth?[row][0] : nil, predicted[(k - first) * o],
                           naiveColumn.map { windows.features[k + window - 1][$0] }))
        }
        try TextFile.write(lines.joined(separator: "\n") + "\n", to: URL(fileURLWithPath: output))
        print("wrote \(output): \(count - first) forecast(s) of \(targets.joined(separator: ", ")) \(horizon) row(s) ahead")
        if let plot {
            var chart = SVGLinePlot(title: "\(targets[0]): forecast \(horizon) row(s) ahead vs truth", xLabel: xColumn ?? "row", yLabel: targets[0])
            (chart.width, chart.yFromZero) = (900, false)
            chart.series.append(.init(name: "truth", color: "#222222", points: points.map { ($0.x, $0.truth ?? .nan) }))
            chart.series.append(.init(name: "GRU forecast", color: "#d62728", points: points.map { ($0.x, $0.predicted) }))
            if naiveColumn != nil {
                chart.series.append(.init(name: "naive (last value)", color: "#7f7f7f", points: points.map { ($0.x, $0.naive ?? .nan) }, dashed: true))
            }
            try chart.write(to: URL(fileURLWithPath: plot))
            print("wrote \(plot)")
        }
    }

    static func format(_ x: Double) -> String { String(format: "%.6g", x) }
}
