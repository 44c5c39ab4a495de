import Foundation

/// `torch.nn.GRU` state_dicts in safetensors files, as `safetensors.torch.save_file` writes them.
///
/// Keys, for layer k: `weight_ih_l{k}` (3H, I_k), `weight_hh_l{k}` (3H, H), `bias_ih_l{k}` and
/// `bias_hh_l{k}` (3H), and the same with the suffix `_reverse` for the backward direction of a
/// bidirectional GRU; a GRU inside a bigger module has them under a prefix such as `gru.`.
/// PyTorch's layout is GRUKit's canonical one, so the tensors are used as they are.
extension GRU {
    /// Loads a `torch.nn.GRU` from its state_dict.
    ///
    /// The input size, hidden size, layer count, directions and bias are inferred from the
    /// keys and shapes. The prefix is found from the key ending in `weight_ih_l0` unless given.
    /// Tensors outside the prefix are ignored (a head beside the GRU, say); every key inside it
    /// must be a GRU weight.
    ///
    /// - Parameters:
    ///   - file: an open safetensors file.
    ///   - prefix: the keys' prefix (such as `"gru."`), or `nil` to detect it.
    ///   - batchFirst: whether the GRU will take (N, T, I) input, as PyTorch's `batch_first`.
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` naming the file, the key
    ///   and what was expected; ``SafeTensorsError`` for a tensor that cannot be read.
    public init(pytorch file: SafeTensorsFile, prefix: String? = nil, batchFirst: Bool = false) throws {
        let prefix = try prefix ?? PyTorchGRUWeights.detectPrefix(in: file)
        let keys = file.names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        func fail(_ key: String?, _ problem: String) -> GRUKitError {
            .invalidWeights(file: file.file, key: key.map { prefix + $0 }, problem: problem)
        }
        guard let wih0 = file.info(prefix + "weight_ih_l0"), let whh0 = file.info(prefix + "weight_hh_l0") else {
            throw fail(keys.contains("weight_ih_l0") ? "weight_hh_l0" : "weight_ih_l0", "missing: a torch.nn.GRU state_dict has weight_ih_l0 and weight_hh_l0")
        }
        guard whh0.shape.count == 2, whh0.shape[1] >= 1, whh0.shape[0] == 3 * whh0.shape[1] else {
            throw fail("weight_hh_l0", "expected shape (3H, H), got \(whh0.shape)")
        }
        guard wih0.shape.count == 2, wih0.shape[1] >= 1 else {
            throw fail("weight_ih_l0", "expected shape (3H, I), got \(wih0.shape)")
        }
        let h = whh0.shape[1]
        var layerCount = 0
        while keys.contains("weight_ih_l\(layerCount)") { layerCount += 1 }
        let bidirectional = keys.contains("weight_ih_l0_reverse")
        let bias = keys.contains("bias_ih_l0")
        var configuration = GRUConfiguration(
            inputSize: wih0.shape[1], hiddenSize: h, layerCount: layerCount,
            direction: bidirectional ? .bidirectional : .forward, bias: bias)
        configuration.batchFirst = batchFirst

        var expected = Set<String>()
        var layers: [GRUParameters<Scalar>] = []
        let stack = GRUStackParameters<Scalar>(layers: [], directionCount: configuration.directionCount)
        for i in 0..<(layerCount * configuration.directionCount) {
            let suffix = stack.suffix(i)
            let shapes = [("weight_ih", [3 * h, configuration.layerInputSize(i / configuration.directionCount)]),
                          ("weight_hh", [3 * h, h])] + (bias ? [("bias_ih", [3 * h]), ("bias_hh", [3 * h])] : [])
            var tensors: [Tensor<Scalar>] = []
            for (name, shape) in shapes {
                let key = "\(name)_\(suffix)"
                expected.insert(key)
                guard let info = file.info(prefix + key) else {
                    throw fail(key, "missing: the other keys describe a \(layerCount)-layer\(bidirectional ? " bidirectional" : "") GRU\(bias ? " with biases" : "")")
                }
                guard info.shape == shape else {
                    throw fail(key, "expected shape \(shape) for input size \(configuration.inputSize) and hidden size \(h), got \(info.shape)")
                }
                let tensor = try file.tensor(prefix + key, as: Scalar.self)
                do { try tensor.requireFinite(name: key) } catch { throw fail(key, "holds a value that is not finite (\(error))") }
                tensors.append(tensor)
            }
            layers.append(try GRUParameters(
                weightIH: tensors[0], weightHH: tensors[1], biasIH: bias ? tensors[2] : nil, biasHH: bias ? tensors[3] : nil))
        }
        if let unexpected = keys.first(where: { !expected.contains($0) }) {
            throw fail(unexpected, "unexpected for a \(layerCount)-layer\(bidirectional ? " bidirectional" : "") GRU\(bias ? " with biases" : " without biases") (expected keys like weight_ih_l0\(bidirectional ? "_reverse" : ""))")
        }
        try self.init(configuration, parameters: GRUStackParameters(layers: layers, directionCount: configuration.directionCount))
    }

    /// Loads a `torch.nn.GRU` state_dict from a safetensors file at `url`.
    public init(pytorchWeightsAt url: URL, prefix: String? = nil, batchFirst: Bool = false) throws {
        try self.init(pytorch: SafeTensorsFile(contentsOf: url), prefix: prefix, batchFirst: batchFirst)
    }

    /// Adds the state_dict's tensors, under `prefix`, to a writer: what
    /// `gru.load_state_dict(safetensors.torch.load_file(path))` reads back in PyTorch.
    ///
    /// - Parameters:
    ///   - writer: the writer to add to.
    ///   - prefix: put before every key, such as `"gru."`.
    ///   - dtype: F32 (the default; PyTorch's default dtype) or F64.
    public func addPyTorchWeights(to writer: inout SafeTensorsWriter, prefix: String = "", as dtype: SafeTensorsDType = .f32) throws {
        for (name, tensor) in parameters.namedTensors {
            try writer.add(prefix + name, tensor, as: dtype)
        }
    }

    /// Writes the state_dict to a safetensors file, atomically.
    public func savePyTorchWeights(to url: URL, prefix: String = "", as dtype: SafeTensorsDType = .f32) throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try addPyTorchWeights(to: &writer, prefix: prefix, as: dtype)
        try writer.write(to: url)
    }
}

/// Helpers for PyTorch GRU weight files.
public enum PyTorchGRUWeights {
    /// The prefix of the one `torch.nn.GRU` in a file: the part of the key ending in
    /// `weight_ih_l0` before it (`""` for a bare GRU, `"gru."` inside a module).
    ///
    /// - Throws: ``GRUKitError/invalidWeights(file:key:problem:)`` when no key ends in
    ///   `weight_ih_l0`, or when several do (name one with a prefix).
    public static func detectPrefix(in file: SafeTensorsFile) throws -> String {
        let candidates = file.names.filter { $0.hasSuffix("weight_ih_l0") }.map { String($0.dropLast("weight_ih_l0".count)) }
        switch candidates.count {
        case 1:
            return candidates[0]
        case 0:
            let shown = file.names.prefix(8).joined(separator: ", ") + (file.names.count > 8 ? ", …" : "")
            throw GRUKitError.invalidWeights(
                file: file.file, key: nil,
                problem: "no torch.nn.GRU weights: no key ends in weight_ih_l0 (keys: \(shown.isEmpty ? "none" : shown))")
        default:
            throw GRUKitError.invalidWeights(
                file: file.file, key: nil,
                problem: "several GRUs (prefixes \(candidates.map { "'\($0)'" }.joined(separator: ", "))): choose one with a prefix")
        }
    }
}
