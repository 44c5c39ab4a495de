import Foundation

/// What a GRUKit model file says about its model beyond the weights: the `grukit.model` entry
/// of the safetensors header's `__metadata__`, a JSON object.
///
///     {"convention": {"reset": "after", "update": "keeps-old"}, "readout": "every-step", "batch_first": true}
///
/// Readers ignore keys they do not know, so tools may add their own (the training code stores
/// its task, loss, vocabulary and normalisation there).
public struct GRUModelMetadata: Codable, Hashable, Sendable {
    /// The `__metadata__` key that holds the JSON.
    public static let key = "grukit.model"

    /// The GRU variant.
    public var convention: GRUConvention
    /// Whether the head reads every step or the last.
    public var readout: Readout
    /// Whether inputs are (N, T, I).
    public var batchFirst: Bool
    /// What kind of model the file holds beyond a GRU and a head, or `nil` for a ``GRUModel``:
    /// `"character-language-model"` for a ``CharacterLanguageModel``.
    public var kind: String?
    /// A character model's vocabulary: entry i is the character (one Unicode scalar) of class i.
    public var vocabulary: [String]?
    /// A character model's input: `"embedding"` (the file holds `embedding.weight` (V, E)) or
    /// `"one-hot"`.
    public var input: String?
    /// The loss the model was trained with, when GRUKit trained it.
    public var loss: Loss?
    /// How the training data became inputs and targets (columns, windows, normalisation).
    public var data: DataMetadata?

    public init(convention: GRUConvention = .pytorch, readout: Readout = .everyStep, batchFirst: Bool = false) {
        self.convention = convention
        self.readout = readout
        self.batchFirst = batchFirst
    }

    enum CodingKeys: String, CodingKey {
        case convention, readout, kind, vocabulary, input, loss, data
        case batchFirst = "batch_first"
    }

    /// Reads the metadata of `file`, or `nil` when the file has none (a plain PyTorch state_dict).
    ///
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` when the entry is not the
    ///   JSON described above.
    public init?(of file: SafeTensorsFile) throws {
        guard let json = file.metadata[Self.key] else { return nil }
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(json.utf8))
        } catch {
            throw GRUKitError.invalidWeights(
                file: file.file, key: "__metadata__.\(Self.key)",
                problem: "expected a JSON object with convention {reset, update}, readout and batch_first (\(Self.describe(error)))")
        }
    }

    /// The JSON text, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A short description of a decoding error: what was wrong, and where.
    static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String { keys.isEmpty ? "" : " at " + keys.map(\.stringValue).joined(separator: ".") }
        switch error as? DecodingError {
        case let .keyNotFound(key, context)?: return "missing '\(key.stringValue)'\(path(context.codingPath))"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?, let .dataCorrupted(context)?:
            return context.debugDescription + path(context.codingPath)
        default: return "\(error)"
        }
    }
}

extension GRUConvention: Codable {
    enum CodingKeys: String, CodingKey { case reset, update }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(reset: try c.decode(ResetPlacement.self, forKey: .reset), update: try c.decode(UpdatePolarity.self, forKey: .update))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reset, forKey: .reset)
        try c.encode(update, forKey: .update)
    }
}

extension GRUConvention.ResetPlacement: Codable {}
extension GRUConvention.UpdatePolarity: Codable {}
extension Readout: Codable {}

/// A model that a GRUKit model file holds: its tensors named as in a PyTorch module, and its
/// ``GRUModelMetadata``.
public protocol GRUModelFileContents {
    associatedtype Parameters: ParameterSet
    /// The tensors the file stores, under their ``ParameterSet/namedTensors`` names.
    var parameters: Parameters { get }
    /// What the file's `grukit.model` metadata says about the model.
    var metadata: GRUModelMetadata { get }
}

extension GRUModelFileContents {
    /// Adds the weights, under their PyTorch module names (`gru.…`, `head.…`), and the
    /// ``GRUModelMetadata`` to a writer (other metadata and tensors may be added beside them).
    public func addModel(to writer: inout SafeTensorsWriter, as dtype: SafeTensorsDType = .f32) throws {
        for (name, tensor) in parameters.namedTensors { try writer.add(name, tensor, as: dtype) }
        writer.metadata[GRUModelMetadata.key] = try metadata.json()
        writer.metadata["format"] = "pt"
    }

    /// Writes a model file atomically: `model.load_state_dict(safetensors.torch.load_file(path))`
    /// reads it back into the matching PyTorch module.
    public func save(to url: URL, as dtype: SafeTensorsDType = .f32) throws {
        var writer = SafeTensorsWriter()
        try addModel(to: &writer, as: dtype)
        try writer.write(to: url)
    }
}

extension GRUModel: GRUModelFileContents {}

/// GRUKit model files: a ``GRUModel``'s weights in a safetensors file, named as a PyTorch module
/// with a `gru` and a `head` names them (`gru.weight_ih_l0`, …, `head.weight` (O, D·H),
/// `head.bias` (O)), with ``GRUModelMetadata`` in the header. A file without the metadata is
/// read as a PyTorch state_dict, with the settings the caller gives.
extension GRUModel {
    /// Loads a model from a model file or a PyTorch module's state_dict.
    ///
    /// The GRU's sizes, layers, directions and bias are inferred from the `gru.` keys (see
    /// ``GRU/init(pytorch:prefix:batchFirst:)``), the head's from `head.weight`. Tensors under
    /// other prefixes are ignored.
    ///
    /// - Parameters:
    ///   - file: an open safetensors file.
    ///   - defaults: the convention, readout and layout of a file without ``GRUModelMetadata``.
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` naming the missing or
    ///   misshapen tensor, or bad metadata.
    public init(file: SafeTensorsFile, defaults: GRUModelMetadata = GRUModelMetadata()) throws {
        let metadata = try GRUModelMetadata(of: file) ?? defaults
        func fail(_ key: String, _ problem: String) -> GRUKitError { .invalidWeights(file: file.file, key: key, problem: problem) }
        if metadata.kind == CharacterLanguageModel<Scalar>.kind {
            throw fail("__metadata__.\(GRUModelMetadata.key)", "holds a character language model (kind \(metadata.kind!)), not a GRU with a head: run it with gru generate")
        }
        let gru = try GRU<Scalar>(pytorch: file, prefix: "gru.", batchFirst: metadata.batchFirst)
        guard file.info("head.weight") != nil else {
            throw fail("head.weight", "missing: a model file holds the linear head's head.weight (O, D·H) beside the GRU")
        }
        let weight: Tensor<Scalar> = try file.tensor("head.weight")
        let bias: Tensor<Scalar>? = file.info("head.bias") == nil ? nil : try file.tensor("head.bias")
        let width = gru.configuration.directionCount * gru.configuration.hiddenSize
        guard weight.rank == 2, weight.shape[0] >= 1, weight.shape[1] == width else {
            throw fail("head.weight", "expected shape (O, D·H) with D·H = \(width), got \(weight.shape)")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw fail("head.bias", "expected shape (O) = [\(weight.shape[0])], got \(bias.shape)")
        }
        let head: LinearParameters<Scalar>
        do { head = try LinearParameters(weight: weight, bias: bias) } catch { throw fail("head", "\(error)") }
        var configuration = gru.configuration
        configuration.convention = metadata.convention
        try self.init(parameters: GRUModelParameters(gru: gru.parameters, head: head),
                      configuration: configuration, readout: metadata.readout)
    }

    /// Loads a model file (or a PyTorch module's state_dict) at `url`.
    public init(contentsOf url: URL, defaults: GRUModelMetadata = GRUModelMetadata()) throws {
        try self.init(file: SafeTensorsFile(contentsOf: url), defaults: defaults)
    }

    /// The model's ``GRUModelMetadata``.
    public var metadata: GRUModelMetadata {
        GRUModelMetadata(convention: configuration.convention, readout: readout, batchFirst: configuration.batchFirst)
    }
}
