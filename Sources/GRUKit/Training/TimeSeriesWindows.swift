/// Which columns of a CSV time series feed a model and which it predicts, over what window.
public struct TimeSeriesSpecification: Codable, Hashable, Sendable {
    /// The input columns, in order (I = their count).
    public var featureColumns: [String]
    /// The predicted columns, in order (O = their count).
    public var targetColumns: [String]
    /// T, the rows each input sequence spans.
    public var window: Int
    /// How many rows after a window's last row its target lies: 1 predicts the next row.
    public var horizon: Int

    /// Columns, window and horizon as given (checked when windows are cut).
    public init(featureColumns: [String], targetColumns: [String], window: Int, horizon: Int = 1) {
        (self.featureColumns, self.targetColumns, self.window, self.horizon) = (featureColumns, targetColumns, window, horizon)
    }
}

/// A CSV time series cut into sliding windows: sample k reads rows k ..< k + T of the feature
/// columns and predicts the target columns of row k + T − 1 + horizon.
///
/// Inputs and targets are normalised per column, `(x − mean) / std`, with statistics taken
/// from the training rows only (see ``statistics(trainingWindows:)``) and saved with the model.
public struct TimeSeriesWindows: Sendable {
    /// The columns and the window.
    public let specification: TimeSeriesSpecification
    /// One row of feature values per data row.
    public let features: [[Double]]
    /// One row of target values per data row.
    public let targets: [[Double]]
    /// The CSV line of each data row.
    public let lines: [Int]

    /// Reads the columns from a table and checks that at least one window fits.
    ///
    /// - Throws: ``DatasetError/csv(file:line:problem:)`` naming a missing column, a bad cell or
    ///   too few rows; ``GRUKitError`` for a window < 1 or a horizon < 0.
    public init(table: CSVTable, specification: TimeSeriesSpecification, requireTargets: Bool = true) throws {
        let s = specification
        guard s.window >= 1 else { throw GRUKitError.invalidSize(option: "window", value: s.window, expected: "≥ 1 row") }
        guard s.horizon >= 0 else { throw GRUKitError.invalidSize(option: "horizon", value: s.horizon, expected: "≥ 0 rows") }
        guard !s.featureColumns.isEmpty else { throw GRUKitError.invalidSize(option: "feature columns", value: 0, expected: "≥ 1 column") }
        guard !s.targetColumns.isEmpty else { throw GRUKitError.invalidSize(option: "target columns", value: 0, expected: "≥ 1 column") }
        features = try table.numbers(columns: s.featureColumns)
        targets = requireTargets ? try table.numbers(columns: s.targetColumns) : []
        lines = table.lines
        self.specification = s
        let needed = requireTargets ? s.window + s.horizon : s.window
        guard features.count >= needed else {
            throw DatasetError.csv(file: table.file, line: nil, problem: "too few rows: \(features.count) data row(s), but a window of \(s.window) row(s)"
                                   + (requireTargets ? " with horizon \(s.horizon) needs at least \(needed)" : " needs at least \(needed)"))
        }
    }

    /// The number of windows with a target inside the data: rows − T − horizon + 1.
    public var windowCount: Int { features.count - specification.window - specification.horizon + 1 }
    /// The number of windows whose inputs are inside the data (their targets may lie beyond): rows − T + 1.
    public var inputWindowCount: Int { features.count - specification.window + 1 }
    /// The data row window `k`'s target is read from.
    public func targetRow(ofWindow k: Int) -> Int { k + specification.window - 1 + specification.horizon }

    /// Normalisation statistics from the first `count` windows alone: the feature rows they
    /// read and the target rows they predict.
    public func statistics(trainingWindows count: Int) -> (input: Normalization, target: Normalization) {
        let w = specification.window
        let inputRows = Array(features[0..<min(features.count, count + w - 1)])
        let targetRows = (0..<count).map { targets[targetRow(ofWindow: $0)] }
        return (Normalization(columnsOf: inputRows), Normalization(columnsOf: targetRows))
    }

    /// Windows `range` as a dataset: inputs (N, T, F) and targets (N, O), normalised.
    public func dataset(windows range: Range<Int>, input: Normalization, target: Normalization) throws -> SequenceDataset {
        let w = specification.window
        var x = [Float](), y = [Float]()
        for k in range {
            for row in k..<(k + w) { for (j, v) in features[row].enumerated() { x.append(Float(input.normalize(v, column: j))) } }
            for (j, v) in targets[targetRow(ofWindow: k)].enumerated() { y.append(Float(target.normalize(v, column: j))) }
        }
        let n = range.count, (f, o) = (specification.featureColumns.count, specification.targetColumns.count)
        return try SequenceDataset(input: Tensor(shape: [n, w, f], scalars: x), target: .values(Tensor(shape: [n, o], scalars: y)))
    }

    /// The inputs of windows `range` alone, normalised, (N, T, F) — for forecasts past the data's end.
    public func inputs(windows range: Range<Int>, normalization: Normalization) throws -> Tensor<Float> {
        let w = specification.window
        var x = [Float]()
        for k in range {
            for row in k..<(k + w) { for (j, v) in features[row].enumerated() { x.append(Float(normalization.normalize(v, column: j))) } }
        }
        return try Tensor(shape: [range.count, w, specification.featureColumns.count], scalars: x)
    }
}
