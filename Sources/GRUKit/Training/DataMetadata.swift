/// Per-column statistics that map data to the model's inputs or outputs: `(x − mean) / std`.
public struct Normalization: Codable, Hashable, Sendable {
    /// One mean per column.
    public var mean: [Double]
    /// One standard deviation per column (1 where a column is constant).
    public var std: [Double]

    /// Statistics given column by column.
    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }

    /// The statistics of each column of `rows` (population standard deviation; 1 for a
    /// constant column, so it maps to zeros).
    public init(columnsOf rows: [[Double]]) {
        let width = rows.first?.count ?? 0
        let n = Double(max(rows.count, 1))
        mean = (0..<width).map { j in rows.reduce(0) { $0 + $1[j] } / n }
        std = (0..<width).map { [mean] j in
            let s = (rows.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / n).squareRoot()
            return s > 0 && s.isFinite ? s : 1
        }
    }

    /// `(x − mean) / std` for column `j`.
    public func normalize(_ x: Double, column j: Int) -> Double { (x - mean[j]) / std[j] }
    /// `x · std + mean` for column `j`.
    public func denormalize(_ x: Double, column j: Int) -> Double { x * std[j] + mean[j] }
}

/// How a trained model's inputs were made from data, saved with the model so `gru predict`
/// and `gru evaluate` prepare new data the same way.
public struct DataMetadata: Codable, Hashable, Sendable {
    /// `"csv"` or `"safetensors"`.
    public var source: String
    /// A CSV time series' input columns, in order.
    public var featureColumns: [String]?
    /// A CSV time series' target columns, in order.
    public var targetColumns: [String]?
    /// T, the window of rows each input sequence spans.
    public var window: Int?
    /// How many rows after a window's last row its target lies (1: the next row).
    public var horizon: Int?
    /// The statistics the inputs were normalised with, or `nil` for raw inputs.
    public var inputNormalization: Normalization?
    /// The statistics the targets were normalised with: the model's outputs are
    /// `denormalize`d to the data's units.
    public var targetNormalization: Normalization?

    /// Metadata for data from `source`, the rest to be filled in.
    public init(source: String) {
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case source, window, horizon
        case featureColumns = "feature_columns"
        case targetColumns = "target_columns"
        case inputNormalization = "input_normalization"
        case targetNormalization = "target_normalization"
    }
}

extension Loss: Codable {}
