import ArgumentParser
import Foundation
import GRUKit

/// The examples of a command, read and split: training (or all) samples, validation samples,
/// and what the model file records about them.
struct PreparedData {
    var training: SequenceDataset
    var validation: SequenceDataset?
    var metadata: DataMetadata
    /// How to name the data in messages.
    var name: String

    /// Reads `--data` or `--csv` for training, with a validation split or file.
    ///
    /// A CSV's validation windows are its last ones (a random split would leak overlapping
    /// windows); a safetensors dataset's are a seeded random choice. A CSV's normalisation
    /// statistics come from the training windows alone.
    static func forTraining(_ options: DataOptions, validationFraction: Double, validationFile: String?, seed: UInt64) throws -> PreparedData {
        if let csv = options.csv, let spec = options.specification {
            let windows = try TimeSeriesWindows(table: CSVTable(contentsOf: URL(fileURLWithPath: csv)), specification: spec)
            let all = windows.windowCount
            let split = try Self.checkedSplit { try windowsSplit(all, validationFraction) }
            var metadata = DataMetadata(source: "csv")
            (metadata.featureColumns, metadata.targetColumns, metadata.window, metadata.horizon) = (spec.featureColumns, spec.targetColumns, spec.window, spec.horizon)
            let identity = (Normalization(mean: spec.featureColumns.map { _ in 0 }, std: spec.featureColumns.map { _ in 1 }),
                            Normalization(mean: spec.targetColumns.map { _ in 0 }, std: spec.targetColumns.map { _ in 1 }))
            let stats = options.noNormalize ? identity : windows.statistics(trainingWindows: split.training)
            if !options.noNormalize { (metadata.inputNormalization, metadata.targetNormalization) = stats }
            var validation = split.validation > 0 ? try windows.dataset(windows: split.training..<all, input: stats.0, target: stats.1) : nil
            if let file = validationFile {
                let other = try TimeSeriesWindows(table: CSVTable(contentsOf: URL(fileURLWithPath: file)), specification: spec)
                validation = try other.dataset(windows: 0..<other.windowCount, input: stats.0, target: stats.1)
            }
            return PreparedData(training: try windows.dataset(windows: 0..<split.training, input: stats.0, target: stats.1),
                                validation: validation, metadata: metadata, name: csv)
        }
        let file = options.data!
        let dataset = try SequenceDataset(contentsOf: URL(fileURLWithPath: file))
        let (training, validation) = try checkedSplit { try dataset.splitIndices(validationFraction: validationFraction, method: .random, seed: seed) }
        var prepared = PreparedData(training: validation.isEmpty ? dataset : try dataset.subset(training),
                                    validation: validation.isEmpty ? nil : try dataset.subset(validation),
                                    metadata: DataMetadata(source: "safetensors"), name: file)
        if let validationFile {
            let other = try SequenceDataset(contentsOf: URL(fileURLWithPath: validationFile))
            guard other.inputSize == dataset.inputSize, other.targetsEveryStep == dataset.targetsEveryStep,
                  Array(other.target.shape.dropFirst(dataset.targetsEveryStep ? 2 : 1)) == Array(dataset.target.shape.dropFirst(dataset.targetsEveryStep ? 2 : 1)) else {
                throw CommandError("\(validationFile): its input (…, \(other.inputSize)) and target \(other.target.shape) do not match \(file)'s input (…, \(dataset.inputSize)) and target \(dataset.target.shape)")
            }
            prepared.validation = other
        }
        return prepared
    }

    /// Reads `--data` or `--csv` as the model's training data was read, to evaluate or predict:
    /// the CSV columns, window and normalisation come from the model file.
    static func forModel(_ options: DataOptions, metadata: DataMetadata?, requireTargets: Bool) throws -> (windows: TimeSeriesWindows?, dataset: SequenceDataset?) {
        if let csv = options.csv {
            guard let m = metadata, m.source == "csv", let features = m.featureColumns, let targets = m.targetColumns,
                  let window = m.window, let horizon = m.horizon else {
                throw CommandError("--csv: the model was not trained on a CSV time series (its file records no columns and window); use --data")
            }
            let spec = TimeSeriesSpecification(featureColumns: features, targetColumns: targets, window: window, horizon: horizon)
            let windows = try TimeSeriesWindows(table: CSVTable(contentsOf: URL(fileURLWithPath: csv)), specification: spec, requireTargets: requireTargets)
            let identityIn = Normalization(mean: features.map { _ in 0 }, std: features.map { _ in 1 })
            let identityOut = Normalization(mean: targets.map { _ in 0 }, std: targets.map { _ in 1 })
            let dataset = requireTargets ? try windows.dataset(windows: 0..<windows.windowCount, input: m.inputNormalization ?? identityIn,
                                                                target: m.targetNormalization ?? identityOut) : nil
            return (windows, dataset)
        }
        return (nil, try SequenceDataset(contentsOf: URL(fileURLWithPath: options.data!)))
    }

    /// Training and validation window counts for a chronological split.
    private static func windowsSplit(_ count: Int, _ fraction: Double) throws -> (training: Int, validation: Int) {
        guard fraction > 0 else { return (count, 0) }
        let validation = max(1, Int((fraction * Double(count)).rounded()))
        guard validation < count else {
            throw GRUKitError.invalidValue(option: "validation fraction", value: "\(fraction)", expected: "a share that leaves training windows (\(count) windows, \(validation) for validation)")
        }
        return (count - validation, validation)
    }

    private static func checkedSplit<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as GRUKitError { throw ValidationError(OptimizerOptions.optionName(error)) }
    }
}
